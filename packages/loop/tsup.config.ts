import { packageConfig } from '../../config/tsup.ts';

// keepNames: the CJS build rewrites classes with field initialisers into `_class`
// expressions; without it `EventLoop.name` would be `_class2` in CommonJS.
export default packageConfig({ index: 'src/index.ts' }, { keepNames: true });
