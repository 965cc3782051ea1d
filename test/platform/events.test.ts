import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { afterCommit } from '../../src/platform/db/database.js';
import {
  listEventsOfSubject,
  listPendingEvents,
  markEventsDispatched,
  onEventsCommitted,
  recordEvent,
  recordEvents,
} from '../../src/platform/events/events.js';
import { createTestPlatform, type TestPlatform } from '../harness/app.js';
import { testDialect } from '../harness/database.js';
import { createOrgFixture } from '../harness/factories.js';

describe(`events outbox (${testDialect()})`, () => {
  let platform: TestPlatform;
  beforeAll(async () => {
    platform = await createTestPlatform();
  });
  afterAll(async () => platform.close());

  const database = () => platform.container.database;

  it('commits an event with its transaction and round-trips the payload', async () => {
    const { organization } = await createOrgFixture(platform.container);
    const at = Date.UTC(2026, 0, 2);
    const event = await database().transaction((trx) =>
      recordEvent(trx, {
        orgId: organization.id,
        type: 'contact.created',
        subjectId: 'subject-1',
        payload: { contactId: 'subject-1', nested: { list: [1, 'two'] }, flag: true },
        at,
      }),
    );
    expect(event).toEqual({
      id: expect.stringMatching(/^[0-9a-f]{24}$/),
      orgId: organization.id,
      type: 'contact.created',
      subjectId: 'subject-1',
      payload: { contactId: 'subject-1', nested: { list: [1, 'two'] }, flag: true },
      createdAt: at,
      dispatchedAt: null,
    });
    expect(await listEventsOfSubject(database().db, organization.id, 'subject-1')).toEqual([event]);
  });

  it('writes no event when its transaction rolls back', async () => {
    const { organization } = await createOrgFixture(platform.container);
    await expect(
      database().transaction(async (trx) => {
        await recordEvent(trx, {
          orgId: organization.id,
          type: 'contact.updated',
          subjectId: 'rolled-back',
          payload: {},
          at: Date.now(),
        });
        throw new Error('the change failed');
      }),
    ).rejects.toThrow('the change failed');
    expect(await listEventsOfSubject(database().db, organization.id, 'rolled-back')).toEqual([]);
  });

  it('lists pending events oldest first and marks them dispatched once', async () => {
    const { organization } = await createOrgFixture(platform.container);
    const pendingBefore = await listPendingEvents(database().db, 1000);
    await markEventsDispatched(
      database().db,
      pendingBefore.map((e) => e.id),
      1,
    );
    const recorded = [];
    for (const subjectId of ['a', 'b', 'c']) {
      recorded.push(
        await recordEvent(database().db, {
          orgId: organization.id,
          type: 'contact.updated',
          subjectId,
          payload: { subjectId },
          at: Date.now(),
        }),
      );
    }
    expect((await listPendingEvents(database().db, 2)).map((e) => e.subjectId)).toEqual(['a', 'b']);
    expect(await markEventsDispatched(database().db, [recorded[0]!.id, recorded[1]!.id], 1234)).toBe(2);
    expect(await markEventsDispatched(database().db, [recorded[0]!.id], 5678)).toBe(0);
    expect(await markEventsDispatched(database().db, [], 5678)).toBe(0);
    expect((await listPendingEvents(database().db, 10)).map((e) => e.subjectId)).toEqual(['c']);
    const [a] = await listEventsOfSubject(database().db, organization.id, 'a');
    expect(a!.dispatchedAt).toBe(1234);
  });

  it('keeps each organisation’s events apart', async () => {
    const mine = await createOrgFixture(platform.container);
    const theirs = await createOrgFixture(platform.container);
    await recordEvent(database().db, {
      orgId: theirs.organization.id,
      type: 'contact.deleted',
      subjectId: 'shared-subject',
      payload: {},
      at: Date.now(),
    });
    expect(await listEventsOfSubject(database().db, mine.organization.id, 'shared-subject')).toEqual([]);
    expect(await listEventsOfSubject(database().db, theirs.organization.id, 'shared-subject')).toHaveLength(1);
  });

  it('announces committed events once per transaction, after the commit, and never rolled-back ones', async () => {
    const { organization } = await createOrgFixture(platform.container);
    const event = (subjectId: string) => ({
      orgId: organization.id,
      type: 'contact.updated',
      subjectId,
      payload: {},
      at: Date.now(),
    });
    let announced = 0;
    const unsubscribe = onEventsCommitted(() => {
      announced++;
    });
    try {
      await database().transaction(async (trx) => {
        await recordEvent(trx, event('announce-1'));
        await recordEvents(trx, [event('announce-2'), event('announce-3')]);
        expect(announced).toBe(0); // not before the commit
      });
      expect(announced).toBe(1);

      await expect(
        database().transaction(async (trx) => {
          await recordEvent(trx, event('rolled-back'));
          throw new Error('roll back');
        }),
      ).rejects.toThrow('roll back');
      expect(announced).toBe(1);
      expect(await listEventsOfSubject(database().db, organization.id, 'rolled-back')).toEqual([]);

      await recordEvent(database().db, event('autocommit'));
      expect(announced).toBe(2);
    } finally {
      unsubscribe();
    }
    await recordEvent(database().db, event('after-unsubscribe'));
    expect(announced).toBe(2);
  });

  it('runs afterCommit hooks once the data is visible to other connections, and a throwing hook changes nothing', async () => {
    const { organization } = await createOrgFixture(platform.container);
    let readAtHook: Promise<unknown[]> | undefined;
    const result = await database().transaction(async (trx) => {
      await recordEvent(trx, {
        orgId: organization.id,
        type: 'contact.created',
        subjectId: 'hook-visible',
        payload: {},
        at: Date.now(),
      });
      afterCommit(trx, () => {
        throw new Error('a broken wake-up');
      });
      afterCommit(trx, () => {
        readAtHook = listEventsOfSubject(database().db, organization.id, 'hook-visible');
      });
      return 'committed';
    });
    expect(result).toBe('committed');
    expect(readAtHook).toBeDefined();
    expect(await readAtHook).toHaveLength(1);
  });
});
