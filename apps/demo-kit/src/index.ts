/**
 * `@x/demo-kit`: what the apps' programs, demos and interop tests share (a private
 * workspace package, not an app). See README.md for which module serves what.
 */
export {
  type AddressValues,
  announceListening,
  type CommandLineOptions,
  type CommandLineValues,
  onStopSignals,
  parseAddressArgs,
  parseCommandLine,
  parsePort,
} from './cli.js';
export { DemoReport, diffLines } from './demo-report.js';
export { checkEchoServer, checkSeedClient } from './echo-demo.js';
export { freeTcpPort, freeUdpPort, waitUntilBound, waitUntilListening } from './ports.js';
export {
  listeningPort,
  type OutputStream,
  Program,
  PYTHON,
  runApp,
  runPython,
  startServerApp,
  TSX,
} from './program.js';
export { pyAddress, pyRepr } from './python-format.js';
export { type EchoSeed, peerPort, TCP_ECHO, UDP_ECHO } from './seed-lines.js';
export { type SeedPort, seedScript } from './seed-script.js';
export { type CertFiles, ensureCerts } from './tls-certs.js';
