import { packageConfig } from '../../config/tsup.ts';

export default packageConfig({ index: 'src/index.ts', 'testing/index': 'src/testing/index.ts' });
