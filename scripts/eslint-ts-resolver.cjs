// Resolves imports for the layering rule (eslint.config.mjs) the way the TypeScript compiler
// does (moduleResolution Bundler: extensionless and `.js` specifiers find the `.ts` file), so
// that every local import is classified and none slips past the rule unresolved.
const fs = require('node:fs');
const { isBuiltin } = require('node:module');
const path = require('node:path');
const ts = require('typescript');

const options = {
  module: ts.ModuleKind.ESNext,
  moduleResolution: ts.ModuleResolutionKind.Bundler,
  allowJs: true,
  resolveJsonModule: true,
};
const cache = ts.createModuleResolutionCache(process.cwd(), (f) => f, options);

module.exports = {
  interfaceVersion: 2,
  resolve(source, file) {
    if (isBuiltin(source)) return { found: true, path: null };
    // Stylesheets and other assets the bundler loads: a file next to the importer.
    const asset = path.resolve(path.dirname(file), source);
    if (source.startsWith('.') && fs.existsSync(asset) && fs.statSync(asset).isFile()) {
      return { found: true, path: asset };
    }
    const { resolvedModule } = ts.resolveModuleName(source, file, options, ts.sys, cache);
    if (!resolvedModule) return { found: false };
    return { found: true, path: resolvedModule.resolvedFileName };
  },
};
