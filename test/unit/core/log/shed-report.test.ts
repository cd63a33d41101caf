import { test, mock } from 'node:test';
import assert from 'node:assert/strict';
import { reportShedExchanges } from '../../../../electron/core/log/shed-report';

test('shed exchanges are reported once per interval with the count since the last report, and once more at stop', () => {
  mock.timers.enable({ apis: ['setInterval'] });
  try {
    let dropped = 5; // shed before logging started: not reported
    const said: string[] = [];
    const report = reportShedExchanges(() => dropped, (line) => said.push(line), 1000);
    const counts = () => said.map((line) => Number(/log: (\d+) exchanges/.exec(line)?.[1]));
    mock.timers.tick(1000); // nothing shed
    dropped += 3;
    mock.timers.tick(500); // not yet an interval
    const beforeInterval = counts();
    mock.timers.tick(500);
    dropped += 40;
    mock.timers.tick(1000);
    mock.timers.tick(1000); // nothing new
    dropped += 2;
    report.stop(); // the rest, at shutdown
    mock.timers.tick(5000); // stopped: no more reports
    dropped += 9;
    mock.timers.tick(5000);
    assert.deepEqual({ beforeInterval, counts: counts(), first: said[0] }, {
      beforeInterval: [],
      counts: [3, 40, 2],
      first: 'hindsight serve: log: 3 exchanges were forwarded without a log line: the store\'s disk fell behind, so they were not recorded (the status\'s "dropped" counts them)',
    });
  } finally {
    mock.timers.reset();
  }
});
