/** Every rule file, in the order they appear in `npm run rules -- check`. Add new rules here. */
import anonymousUsers from './anonymous-users';
import registeredUserFaults from './registered-user-faults';
import registeredUsers from './registered-users';
import slowRegisteredUsers from './slow-registered-users';

export const catalog = [registeredUsers, anonymousUsers, slowRegisteredUsers, registeredUserFaults];
