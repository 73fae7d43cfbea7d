export { ADMIN_PREFIX, EmulatorServer } from './emulators/http.js';
export type { EmulatorProtocol, EmulatorRequest, EmulatorResponse, Fault } from './emulators/http.js';
export * from './emulators/aws/index.js';
