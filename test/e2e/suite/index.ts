// The extension test runner: the `run()` contract of @vscode/test-electron's extensionTestsPath,
// which code-server's smoke-test driver honours too. Bundled (test/e2e/build-suite.mjs) with mocha
// inside and `vscode` external, so it needs nothing from node_modules at run time.
import Mocha from 'mocha';

/** Runs the suites `load()` defines (it requires them after mocha's globals exist). */
export function runWith(load: () => void): Promise<void> {
  const mocha = new Mocha({ ui: 'bdd', color: false, timeout: 60_000, reporter: 'spec' });
  mocha.suite.emit('pre-require', globalThis, 'e2e-suite', mocha);
  load();
  return new Promise((resolve, reject) => {
    mocha.run((failures) => {
      if (failures > 0) reject(new Error(`${failures} extension test(s) failed`));
      else resolve();
    });
  });
}
