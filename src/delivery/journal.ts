/**
 * The outcome journal: how a batch records its outcomes with inserts only, and how they reach the
 * deliveries' own documents.
 *
 * 1. **Record** (the hot path, src/delivery/outcome-writer.ts). Each outcome is an entry holding the delivery's
 *    whole document as it is after the outcome, made from the document the batch claimed. Every pool slot's
 *    entries go into one `insertMany` per write (group commit). An insert is the one write whose cost does not
 *    grow with the backlog on FerretDB 1.x, where an update by `_id` reads the whole collection (see
 *    docs/benchmarks.md, "Group commit"); on MongoDB it is one cheap statement per write.
 * 2. **Fold** (once per batch, after its last send). The batch's documents are replaced by the journal's: one
 *    `deleteMany` of their `_id`s, one `insertMany` of the new documents, one `deleteMany` of the entries:
 *    three statements per batch on either database, whatever its size.
 * 3. **Recover** (whoever claims the deliveries next, and housekeeping). A worker that died after recording
 *    and before folding leaves entries behind. Whoever claims those deliveries next folds them first and does
 *    not send them again; housekeeping folds what is left (a delivery whose fold was cut between its delete
 *    and its insert is put back from its entry). An entry made from an older version of its delivery (its
 *    `base` is not the document's `folds`) is stale: it is dropped, never applied.
 *
 * So a delivery's document may say `pending` for the few seconds between its send and its batch's fold; its
 * claim keeps every other worker from sending it meanwhile, and recovery tells them the truth after a crash.
 */
import { groupBy } from '../domain/collections.js';
import { Types } from 'mongoose';
import type { LeanDelivery } from '../db/documents.js';
import { duplicateWrites, isDuplicateKey } from '../db/duplicate-key.js';
import { DeliveryModel, OutcomeModel } from '../db/models/index.js';

/** An outcome's change to its delivery: fields set, fields removed. */
export interface DeliveryUpdate {
  $set: Record<string, unknown>;
  /** Fields removed (their values are ignored, as in MongoDB's $unset). */
  $unset?: Record<string, unknown>;
}

/** The outcome of one delivery, as an engine step hands it in. */
export interface OutcomeUpdate {
  id: Types.ObjectId;
  update: DeliveryUpdate;
}

/** The delivery's document in the journal: whole, with its version. */
type FoldedDoc = Record<string, unknown> & { _id: Types.ObjectId; folds: number };

export interface JournalEntry {
  _id: Types.ObjectId;
  delivery: Types.ObjectId;
  /** The `folds` of the document the outcome was made from. */
  base: number;
  owner: string;
  at: Date;
  doc: FoldedDoc;
}

/** The journal entry of `update` to the claimed document `d`. */
export function entryOf(d: LeanDelivery, update: DeliveryUpdate, owner: string, at: Date): JournalEntry {
  const doc: Record<string, unknown> = { ...d, ...update.$set };
  for (const field of Object.keys(update.$unset ?? {})) delete doc[field];
  const base = d.folds ?? 0;
  return { _id: new Types.ObjectId(), delivery: d._id, base, owner, at, doc: { ...doc, _id: d._id, folds: base + 1, updatedAt: at } };
}

/** Records entries (one statement). Entries already there (a write tried again after a cut) count as recorded. */
export async function record(entries: JournalEntry[]): Promise<void> {
  if (entries.length === 0) return;
  try {
    await OutcomeModel.collection.insertMany(entries, { ordered: false });
  } catch (err) {
    if (!duplicateWrites(err)) throw err;
  }
}

/**
 * Puts recorded entries into their deliveries' documents and deletes them from the journal. Of several
 * entries of one delivery the last one counts (entries come in the order they were recorded). Safe to repeat,
 * beside another worker folding the same entries (both write the same documents), and late: a document
 * already newer than its entry stays.
 */
export async function fold(entries: JournalEntry[]): Promise<void> {
  if (entries.length === 0) return;
  const latest = new Map<string, FoldedDoc>();
  for (const e of entries) latest.set(String(e.delivery), e.doc);
  const docs = [...latest.values()];
  // Only a document still older than the entry is replaced: a late fold (its worker stalled past its lease
  // while another took the delivery on) never writes over a newer outcome. Its insert then meets the newer
  // document's `_id` and is skipped. One statement per version among the documents (nearly always one).
  for (const [base, ids] of groupBy(
    docs,
    (d) => d.folds - 1,
    (d) => d._id,
  )) {
    await DeliveryModel.collection.deleteMany({ _id: { $in: ids }, $or: [{ folds: { $exists: false } }, { folds: { $lte: base } }] });
  }
  await insertFolded(docs);
  await OutcomeModel.collection.deleteMany({ _id: { $in: entries.map((e) => e._id) } });
}

async function insertFolded(docs: FoldedDoc[]): Promise<void> {
  try {
    await DeliveryModel.collection.insertMany(docs, { ordered: false });
  } catch (err) {
    const lost = duplicateWrites(err);
    if (!lost?.every((w) => w.index !== undefined)) throw err;
    for (const { index } of lost) await putBack(docs[index!]!);
  }
}

/** Inserts one folded document an `insertMany` met a duplicate key for. */
async function putBack(doc: FoldedDoc): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    // Its `_id` is there: another worker folded the same entry, into the same document.
    if (await DeliveryModel.exists({ _id: doc._id })) return;
    // Its (change, person, channel) is: the change was planned again in the instant the document was out
    // (a planning cut short and run again). The journal's document, which knows what was sent, wins.
    await DeliveryModel.collection.deleteMany({ change: doc.change, person: doc.person, channel: doc.channel, _id: { $ne: doc._id } });
    try {
      await DeliveryModel.collection.insertOne(doc);
      return;
    } catch (err) {
      // Someone else put it back in between: look again.
      if (!isDuplicateKey(err) || attempt >= 3) throw err;
    }
  }
}

/**
 * Folds what the journal holds for these deliveries (`{ deliveries }`: before they are sent by a new claim)
 * or for entries recorded before a moment (`{ before }`: housekeeping), and drops the stale entries. Returns
 * the deliveries whose documents it changed: a claim must not send them as they were read.
 */
export async function recoverOutcomes(scope: { deliveries: Types.ObjectId[] } | { before: Date }): Promise<Set<string>> {
  if ('deliveries' in scope && scope.deliveries.length === 0) return new Set();
  const query = 'deliveries' in scope ? { delivery: { $in: scope.deliveries } } : { at: { $lt: scope.before } };
  const entries = (await OutcomeModel.collection.find(query).toArray()) as unknown as JournalEntry[];
  if (entries.length === 0) return new Set();
  entries.sort((a, b) => a.at.getTime() - b.at.getTime() || String(a._id).localeCompare(String(b._id)));
  const ids = [...new Set(entries.map((e) => String(e.delivery)))].map((id) => new Types.ObjectId(id));
  const current = await DeliveryModel.collection.find({ _id: { $in: ids } }, { projection: { folds: 1 } }).toArray();
  const foldsOf = new Map(current.map((d) => [String(d._id), (d.folds as number | undefined) ?? 0]));
  // A missing document is one whose fold was cut between its delete and its insert: its latest entry restores it.
  const isLive = (e: JournalEntry) => {
    const folds = foldsOf.get(String(e.delivery));
    return folds === undefined || folds === e.base;
  };
  const live = entries.filter(isLive);
  const stale = entries.filter((e) => !isLive(e));
  await fold(live);
  if (stale.length) await OutcomeModel.collection.deleteMany({ _id: { $in: stale.map((e) => e._id) } });
  return new Set(live.map((e) => String(e.delivery)));
}
