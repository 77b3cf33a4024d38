import assert from 'node:assert/strict';
import { followAgentChain } from '../../../processes/org/agent-chain.js';

describe('org/agent-chain', function () {
  const from = (pairs: Record<string, string>) => (id: string) => pairs[id];

  it('should give nothing for a user who is not away', function () {
    assert.equal(followAgentChain('a', from({})), undefined);
  });

  it('should follow a chain to the last agent who is not away', function () {
    assert.equal(followAgentChain('a', from({ a: 'b', b: 'c' })), 'c');
  });

  it('should stop before a cycle returns to someone already seen', function () {
    assert.equal(followAgentChain('a', from({ a: 'b', b: 'a' })), 'b');
    assert.equal(followAgentChain('a', from({ a: 'b', b: 'c', c: 'b' })), 'c');
  });

  it('should cut a long chain after the hop limit', function () {
    // given
    const chain = from({ u0: 'u1', u1: 'u2', u2: 'u3', u3: 'u4', u4: 'u5', u5: 'u6' });

    // then
    assert.equal(followAgentChain('u0', chain, 3), 'u3');
    assert.equal(followAgentChain('u0', chain), 'u5');
  });
});
