import mongoose from 'mongoose';
import { useTestDatabase } from '../support/db.js';
import { claimKeys } from '../../src/db/claims.js';
import { DeliveryModel, PersonModel, TaskModel, ChangeModel, nextSequence } from '../../src/db/models/index.js';

useTestDatabase();

describe('models on the real database', () => {
  it('hands out increasing numbers from a counter', async () => {
    const a = await nextSequence('seq-test');
    const b = await nextSequence('seq-test');
    expect(b).toBe(a + 1);
  });

  it('lets exactly one of several racing workers win each claim', async () => {
    const keys = Array.from({ length: 200 }, (_, i) => `d${i}:0`);
    const results = await Promise.all(['A', 'B', 'C'].map((owner) => claimKeys(keys, owner)));
    const total = results.reduce((n, s) => n + s.size, 0);
    expect(total).toBe(200);
    const all = results.flatMap((s) => [...s]);
    expect(new Set(all).size).toBe(200);
  });

  it('refuses a second task with the same number', async () => {
    const author = new mongoose.Types.ObjectId();
    await TaskModel.create({ number: 1000, title: 'a', author });
    await expect(TaskModel.create({ number: 1000, title: 'b', author })).rejects.toThrow(/duplicate key|E11000/);
  });

  it('refuses a second person with the same Telegram id', async () => {
    await PersonModel.create({ telegramId: 42, name: 'A', timezone: 'Europe/Moscow', language: 'ru' });
    await expect(PersonModel.create({ telegramId: 42, name: 'B', timezone: 'Europe/Moscow', language: 'ru' })).rejects.toThrow(
      /duplicate key|E11000/,
    );
  });

  it('keeps one delivery per change, person and channel', async () => {
    const base = {
      change: new mongoose.Types.ObjectId(),
      task: new mongoose.Types.ObjectId(),
      taskNumber: 1,
      person: new mongoose.Types.ObjectId(),
      address: 'a@example.org',
      nextAttemptAt: new Date(),
    };
    await DeliveryModel.create({ ...base, channel: 'email' });
    await DeliveryModel.create({ ...base, channel: 'sms', address: '+79123456789' });
    await expect(DeliveryModel.create({ ...base, channel: 'email' })).rejects.toThrow(/duplicate key|E11000/);
    expect(await DeliveryModel.countDocuments({ change: base.change })).toBe(2);
  });

  it('keeps one change per task revision', async () => {
    const c = { task: new mongoose.Types.ObjectId(), taskNumber: 1, revision: 1, actor: new mongoose.Types.ObjectId(), at: new Date() };
    await ChangeModel.create(c);
    await expect(ChangeModel.create(c)).rejects.toThrow(/duplicate key|E11000/);
  });

  it('has the indexes the due-delivery query and idempotent planning rely on', async () => {
    const indexes = await DeliveryModel.collection.indexes();
    const keys = indexes.map((i) => JSON.stringify(i.key));
    expect(keys).toContain(JSON.stringify({ change: 1, person: 1, channel: 1 }));
    expect(keys).toContain(JSON.stringify({ status: 1, nextAttemptAt: 1 }));
    expect(indexes.find((i) => JSON.stringify(i.key) === JSON.stringify({ change: 1, person: 1, channel: 1 }))?.unique).toBe(true);
  });
});
