import { projectConfig } from '../../config/vitest.ts';

export default projectConfig(import.meta.dirname);
