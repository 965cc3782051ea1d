import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  listEventsOfSubject,
  listPendingEvents,
  markEventsDispatched,
  recordEvent,
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
});
