import { parseArgs } from 'node:util';
import { defaultSuperuserName, EXIT_NOT_CREATED, runCreateSuperuser } from './createsuperuser-command';
import { describeToolError, EXIT_CANNOT_RUN, openToolDatabase } from './tool-environment';

const USAGE = `Usage: npm run createsuperuser -- [--username NAME] [--email ADDRESS] [--no-input]

Creates a user with is_staff and is_superuser set, as Django's createsuperuser does. It asks for
the username, email address (may be left blank) and password (twice, not shown), and asks again
when a value is rejected. The password must pass the same validators as signup.

Options:
  --username NAME     the username (with --no-input, DJANGO_SUPERUSER_USERNAME also sets it)
  --email ADDRESS     the email address (with --no-input, DJANGO_SUPERUSER_EMAIL also sets it)
  --no-input          ask nothing: the password comes from DJANGO_SUPERUSER_PASSWORD (--noinput also works)
  -h, --help          print this help

The database is MONGODB_URI (and MONGODB_DB, default attendance_db); without MONGODB_URI the
embedded server runs on the data of \`npm start\` in .data/db.

Exit codes: 0 created; 1 not created (a value was rejected, the username or email is taken, or the
prompt was cancelled); 2 could not run (arguments, no terminal without --no-input, missing
DJANGO_SUPERUSER_PASSWORD, database).
`;

async function main(): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: process.argv.slice(2),
      options: {
        username: { type: 'string' },
        email: { type: 'string' },
        'no-input': { type: 'boolean', default: false },
        noinput: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (error) {
    process.stderr.write(`createsuperuser: ${(error as Error).message}\n\n${USAGE}`);
    return EXIT_CANNOT_RUN;
  }
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }

  const interactive = !values['no-input'] && !values.noinput;
  if (interactive && !process.stdin.isTTY) {
    process.stderr.write('createsuperuser: standard input is not a terminal. Use --no-input with --username, --email and DJANGO_SUPERUSER_PASSWORD.\n');
    return EXIT_CANNOT_RUN;
  }

  const database = await openToolDatabase();
  // Ctrl-C at a visible prompt arrives as SIGINT; at a hidden one the prompt reads it from the terminal.
  process.on('SIGINT', () => {
    process.stderr.write('\nOperation cancelled.\n');
    void database.close().finally(() => process.exit(EXIT_NOT_CREATED));
  });
  try {
    return await runCreateSuperuser({
      interactive,
      // Like Django, the environment supplies values only when nothing is asked.
      username: values.username ?? (interactive ? undefined : process.env.DJANGO_SUPERUSER_USERNAME),
      email: values.email ?? (interactive ? undefined : process.env.DJANGO_SUPERUSER_EMAIL),
      password: interactive ? undefined : process.env.DJANGO_SUPERUSER_PASSWORD,
      defaultUsername: interactive ? await defaultSuperuserName() : undefined,
      streams: { input: process.stdin, output: process.stdout, errors: process.stderr },
    });
  } finally {
    await database.close();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`createsuperuser: ${describeToolError(error)}\n`);
    process.exit(EXIT_CANNOT_RUN);
  },
);
