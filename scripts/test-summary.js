// Turns jest's --json report plus the static-check counts into the one-line summary CI reads.
// Exits non-zero when anything failed, when jest ran no test, or when jest failed without a report.
'use strict';
const fs = require('node:fs');

const [reportPath, checksPassedText, checksFailedText, jestStatusText] = process.argv.slice(2);
let passed = Number(checksPassedText);
let failed = Number(checksFailedText);
const jestStatus = Number(jestStatusText);

let report = null;
try {
  report = JSON.parse(fs.readFileSync(reportPath, 'utf8'));
} catch (error) {
  console.error(`no readable jest report at ${reportPath}: ${error.message}`);
}

if (report) {
  passed += report.numPassedTests;
  failed += report.numFailedTests;
  // A suite that fails to load (syntax error, failed import) has no failed tests but still failed.
  failed += report.testResults.filter(
    (suite) => suite.status === 'failed' && suite.assertionResults.length === 0,
  ).length;
  if (report.numTotalTests === 0) console.error('jest ran no tests');
} else {
  failed += 1;
}

const ok = failed === 0 && jestStatus === 0 && report !== null && report.numTotalTests > 0;
if (!ok && failed === 0) failed = 1;
console.log(`${passed} passed, ${failed} failed`);
process.exit(ok ? 0 : 1);
