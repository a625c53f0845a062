import { packageConfig } from '../../config/tsup.ts';

export default packageConfig({ index: 'src/index.ts' });
