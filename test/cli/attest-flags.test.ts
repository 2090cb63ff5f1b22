/** attest flags that take one value refuse a second one instead of keeping only the last (newcomer report, item 10). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runCli, tempDir } from '../helpers/fixtures';

test('attest --framework given twice: exit 2 with [OPTION_REPEATED], naming both values and where other libraries go', async () => {
  const r = await runCli(['attest', '--stage', 'fine-tuning', '--framework', 'pytorch@2.5.1', '--framework', 'transformers@4.46.0', '--subject-digest', `sha256:${'ab'.repeat(32)}`, '--private-key', 'none.pem'], { cwd: tempDir() });
  assert.equal(r.code, 2);
  assert.equal(r.stderr.trim().split('\n').length, 1);
  assert.match(r.stderr, /--framework is given twice \("pytorch@2\.5\.1", "transformers@4\.46\.0"\): a stage records one framework; record other libraries and their versions with --env NAME=VERSION\. \[OPTION_REPEATED\]\n$/);
});
