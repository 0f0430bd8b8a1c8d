import { HIDDEN_EMAIL, HIDDEN_PHONE, scrubContacts } from '../../src/domain/scrub-contacts.js';

describe('scrubContacts', () => {
  it.each([
    ['550 <ivan@example.org>: user unknown', `550 <${HIDDEN_EMAIL}>: user unknown`],
    ['550 5.1.1 ivan.petrov+tw@mail.example.co.uk: mailbox unavailable', `550 5.1.1 ${HIDDEN_EMAIL}: mailbox unavailable`],
    ['sms.ru 202: invalid number 79123456789', `sms.ru 202: invalid number ${HIDDEN_PHONE}`],
    ['number +7 912 345-67-89 is blocked', `number ${HIDDEN_PHONE} is blocked`],
    ['to 8 (912) 345 67 89 failed', `to ${HIDDEN_PHONE} failed`],
    ['Twilio 21211: The To number +15550001111 is not valid', `Twilio 21211: The To number ${HIDDEN_PHONE} is not valid`],
    ['a@b.org and c@d.ru, +79120000001', `${HIDDEN_EMAIL} and ${HIDDEN_EMAIL}, ${HIDDEN_PHONE}`],
  ])('hides contacts in %j', (input, expected) => {
    expect(scrubContacts(input)).toBe(expected);
  });

  it.each([
    'connect ECONNREFUSED 127.0.0.1:2525',
    '421 4.7.0 Try again later',
    'sms.ru 201: not enough money on the account',
    'HTTP 503 after 10000 ms',
    'run abc123def4567890',
  ])('leaves %j as it is', (input) => {
    expect(scrubContacts(input)).toBe(input);
  });
});
