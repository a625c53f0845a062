import { packageConfig } from '../../config/tsup.ts';

// The optional addon is loaded at run time from node_modules (tsup inlines what is not a
// dependency or peer dependency).
export default packageConfig({ index: 'src/index.ts' }, { external: ['@x/udp-native'] });
