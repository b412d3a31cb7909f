import { describe, expect, it } from 'vitest';
import * as fleet from '../../src/index.js';

describe('public API', () => {
  it('exports exactly these runtime names (a change here is an API change)', () => {
    expect(Object.keys(fleet).sort()).toEqual(
      [
        'AuthError',
        'DEFAULT_MAX_OUTPUT_BYTES',
        'EVENT_SCHEMA_VERSION',
        'Fleet',
        'FleetError',
        'HOST_STATUSES',
        'HostKeyError',
        'InventoryError',
        'LOCAL_HOST',
        'OUTPUT_MODES',
        'Session',
        'SHARD_ALGORITHM',
        'ShardMerger',
        'StepsError',
        'connect',
        'createRenderer',
        'expandHostlist',
        'foldHostnames',
        'followDirectory',
        'formatDuration',
        'isFleetError',
        'loadInventory',
        'loadStepsFile',
        'mergeFiles',
        'mergeStream',
        'openFleet',
        'parseAdHocHosts',
        'parseDuration',
        'planHash',
        'planShards',
        'resolveHostSelection',
        'resolveRunId',
        'resolveShard',
        'schedulerAttempt',
        'selectHosts',
        'selectShard',
        'shardOf',
        'statusOfError',
        'statusOfExec',
        'streamsOutputFlow',
        'summarize',
        'toFleetError',
      ].sort(),
    );
  });
});
