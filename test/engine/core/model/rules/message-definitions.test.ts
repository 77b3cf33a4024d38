import assert from 'node:assert/strict';

import { messageDefinitions } from '../../../../../engine/core/model/rules/message-definitions.js';
import { assertValid, checkRule, reported } from './check-rule.js';

describe('model/rules/message-definitions', function () {
  it('should accept message starts, catches with correlation keys, send tasks with payloads and message throws', async function () {
    // when
    const problems = await checkRule(messageDefinitions, 'valid-messages.bpmn');

    // then
    assert.deepEqual(problems, []);
    await assertValid('message-definitions', 'valid-messages.bpmn');
  });

  it('should report missing messages and keys, keys on start events, bad FEEL, bad payloads and ambiguous names', async function () {
    // when
    const problems = await checkRule(messageDefinitions, 'invalid-messages.bpmn');

    // then
    assert.deepEqual(reported(problems), [
      'badKey',
      'badPayload',
      'badPayload',
      'espNoKey',
      'noKey',
      'noRef',
      'sameMessageOnWork',
      'startWithKey',
      'submittedAgain',
      'throwBadKey',
      'unnamed',
    ]);
    const byId = new Map(problems.map((p) => [p.elementId, p.message]));
    assert.equal(
      byId.get('noKey'),
      'a message catch inside a running instance needs fiscal:correlationKey (FEEL) to find its instance',
    );
    assert.equal(
      byId.get('startWithKey'),
      'a process-level message start event starts a new instance and must not have fiscal:correlationKey',
    );
    assert.equal(byId.get('noRef'), 'references no bpmn:Message (messageRef is missing or names no message)');
    assert.match(byId.get('unnamed') ?? '', /^message namelessMessage has no name/);
    assert.match(byId.get('badKey') ?? '', /^fiscal:correlationKey is not valid FEEL/);
    assert.match(
      byId.get('submittedAgain') ?? '',
      /"applicationSubmitted" is used by another start event of this process/,
    );
    assert.match(byId.get('sameMessageOnWork') ?? '', /used by another boundary event of the same activity/);
    assert.deepEqual(
      problems.filter((p) => p.elementId === 'badPayload').map((p) => p.message),
      [
        'fiscal:in target "1amount" is not a variable name',
        'fiscal:out is not used on a message throw; the payload is given with fiscal:in',
      ],
    );
  });

  it('should NOT ask a process-level message start event for a correlation key', async function () {
    // when
    const problems = await checkRule(messageDefinitions, 'invalid-messages.bpmn');

    // then
    assert.ok(!reported(problems).includes('submitted'));
  });
});
