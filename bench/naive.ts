/**
 * 2. The naive sender: one delivery at a time — read one pending delivery, mark it `sending`, open a new
 * connection (SMTP, or HTTP without keep-alive), send, mark it `sent`. Same database, same half e-mail,
 * half SMS backlog as taskwatch gets. (It renders one fixed text instead of reading the person, task and
 * change: that flatters it by three reads per message.)
 */
import { DeliveryModel } from '../src/db/models/index.js';
import type { BenchEnv } from './env.js';
import { openPhase } from './env.js';
import { mailer, smsSender } from './ceiling.js';
import { seedWorkload } from './seed.js';

/** Sends `n` deliveries out of a backlog of `backlog` pending ones (the same backlog taskwatch's run gets). */
export async function measureNaive(env: BenchEnv, n: number, backlog: number, phase: string): Promise<number> {
  const db = await openPhase(env, phase);
  try {
    const total = Math.max(n, backlog);
    const observers = Math.min(5, Math.max(1, Math.floor(total / 2)));
    await seedWorkload({ tasks: Math.ceil(total / 2 / observers), observers, channels: ['email', 'sms'], planned: true });
    const mail = mailer(env, false);
    const sms = smsSender(env, false);
    const before = env.sink.count;
    let sent = 0;
    const t0 = performance.now();
    while (sent < n) {
      const d = await DeliveryModel.findOne({ status: 'pending' }).sort({ nextAttemptAt: 1 }).lean();
      if (!d) break;
      await DeliveryModel.updateOne({ _id: d._id }, { $set: { status: 'sending' } });
      if (d.channel === 'email') await mail.send(sent);
      else await sms.send(sent);
      await DeliveryModel.updateOne({ _id: d._id }, { $set: { status: 'sent', sentAt: new Date(), attempts: 1 } });
      sent++;
    }
    const seconds = (performance.now() - t0) / 1000;
    sms.close();
    const emails = env.sink.count - before;
    if (sent === 0 || emails + env.sms.accepted.length !== sent)
      throw new Error(`naive: sent ${sent}, but the doubles got ${emails} + ${env.sms.accepted.length}`);
    return sent / seconds;
  } finally {
    await db.close();
  }
}
