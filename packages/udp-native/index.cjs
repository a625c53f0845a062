'use strict';
// The compiled addon (binding.gyp). Throws when it was not built (not Linux, no compiler):
// @x/udp catches that and keeps to node:dgram. Named one by one so that ESM can import
// them by name (Node detects `exports.x =` in CommonJS, not the addon's own properties).
const binding = require('./build/Release/x_udp.node');

exports.open = binding.open;
exports.send = binding.send;
exports.reading = binding.reading;
exports.close = binding.close;
exports.ref = binding.ref;
exports.hasRef = binding.hasRef;
