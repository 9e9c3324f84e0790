// Renders each chart spec of a shrinkage report with the report's own vendored Vega
// scripts, headless (Vega's SVG renderer needs no browser), and prints, as JSON, each
// chart's SVG and every warning Vega logged. Usage: node render_charts.js VENDOR_DIR SPECS.json
const fs = require("fs");
const path = require("path");
const vm = require("vm");

const [vendor, specsFile] = process.argv.slice(2);
for (const name of ["vega.min.js", "vega-lite.min.js", "vega-embed.min.js"]) {
  // the UMD bundles see no module system here, so they set globalThis.vega and friends
  vm.runInThisContext(fs.readFileSync(path.join(vendor, name), "utf8"), {filename: name});
}

async function render(spec) {
  const warnings = [];
  const logger = vega.logger(vega.Warn);
  logger.warn = (...args) => { warnings.push(args.join(" ")); return logger; };
  const compiled = vegaLite.compile(spec, {logger}).spec;
  const view = new vega.View(vega.parse(compiled), {renderer: "none", logger});
  const svg = await view.toSVG();
  view.finalize();
  return {svg, warnings};
}

(async () => {
  const specs = JSON.parse(fs.readFileSync(specsFile, "utf8"));
  const out = {};
  for (const [key, spec] of Object.entries(specs)) {
    try {
      out[key] = await render(spec);
    } catch (error) {
      out[key] = {error: String(error && error.stack || error)};
    }
  }
  process.stdout.write(JSON.stringify(out));
})();
