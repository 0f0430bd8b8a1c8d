import { canChange, canSee, canSetObserver, isParticipant } from '../../src/domain/access.js';
import { isMemberRole, ROLES } from '../../src/domain/types.js';

const author = 'a1';
const assignee = 'b2';
const other = 'c3';
const member = (id: string) => ({ id, admin: false });
const admin = { id: 'z9', admin: true };

describe('task access rules', () => {
  it('shows a public task to every member', () => {
    expect(canSee(member(other), { author, assignee }, false)).toBe(true);
    expect(canSee(member(other), { author, private: false }, false)).toBe(true);
  });

  it('shows a private task to its author, assignee, observers and admins only', () => {
    const task = { author, assignee, private: true };
    expect(canSee(member(author), task, false)).toBe(true);
    expect(canSee(member(assignee), task, false)).toBe(true);
    expect(canSee(member(other), task, true)).toBe(true);
    expect(canSee(admin, task, false)).toBe(true);
    expect(canSee(member(other), task, false)).toBe(false);
    expect(canSee(member(other), { author, private: true }, false)).toBe(false);
  });

  it('lets the author, the assignee and admins change a task; not observers or others', () => {
    const task = { author, assignee };
    expect(canChange(member(author), task)).toBe(true);
    expect(canChange(member(assignee), task)).toBe(true);
    expect(canChange(admin, task)).toBe(true);
    expect(canChange(member(other), task)).toBe(false);
    expect(canChange(member(other), { author })).toBe(false);
  });

  it('compares ids by their string form, and an absent assignee matches nobody', () => {
    const oid = { toString: () => 'a1' };
    expect(isParticipant({ id: oid }, { author: 'a1' })).toBe(true);
    expect(isParticipant({ id: undefined }, { author: 'a1', assignee: undefined })).toBe(false);
  });

  it('lets people watch themselves, and only admins add others', () => {
    expect(canSetObserver(member(other), other)).toBe(true);
    expect(canSetObserver(member(other), author)).toBe(false);
    expect(canSetObserver(admin, author)).toBe(true);
  });
});

describe('who uses the bot', () => {
  it('is admins and members; not people waiting for a decision, blocked people or people without a role', () => {
    expect(ROLES.filter(isMemberRole)).toEqual(['admin', 'member']);
    expect(isMemberRole(undefined)).toBe(false);
    expect(isMemberRole(null)).toBe(false);
  });
});
