import type { LengthChannel } from './archive-writer';

/**
 * workerd's FixedLengthStream: a response whose body comes through it has a Content-Length, and
 * the runtime fails the transfer if the body is shorter or longer than promised (Workers runtime
 * docs, "FixedLengthStream"), so a broken archive can never pass as a complete one.
 */
export const fixedLengthChannel: LengthChannel = (length) => new FixedLengthStream(length);
