import { userInfo } from 'node:os';
import { createAccount } from '../lib/accounts';
import { EmailTakenError, UsernameTakenError, ValidationError } from '../lib/http-errors';
import { MAX_PASSWORD_LENGTH, passwordLength } from '../lib/passwords';
import { isUserFieldTaken } from '../lib/users';
import { emailSchema, usernameSchema } from '../lib/validation';
import { EXIT_CANNOT_RUN } from './tool-environment';

/** Exit code when no superuser was created: input rejected, or the operator cancelled. */
export const EXIT_NOT_CREATED = 1;

/** The streams of a prompt session: a terminal, or plain streams in tests. */
export interface PromptStreams {
  input: NodeJS.ReadableStream & { isTTY?: boolean; setRawMode?: (mode: boolean) => unknown };
  /** Prompts and the success message. */
  output: NodeJS.WritableStream;
  /** Error messages. */
  errors: NodeJS.WritableStream;
}

export interface CreateSuperuserOptions {
  /** `--username`; in interactive mode a value that fails validation is reported and asked again. */
  username?: string;
  /** `--email`. */
  email?: string;
  /** False for `--no-input`: every value comes from the options and `password`. */
  interactive: boolean;
  /** DJANGO_SUPERUSER_PASSWORD, read in non-interactive mode only. */
  password?: string;
  /** The username offered when the operator leaves the prompt blank; Django offers the login name. */
  defaultUsername?: string;
  streams: PromptStreams;
}

/** Raised when the operator ends the input (Ctrl-D) or presses Ctrl-C at a hidden prompt. */
export class PromptCancelledError extends Error {
  override name = 'PromptCancelledError';
}

const MESSAGES = {
  blank: 'This field cannot be blank.',
  usernameTaken: 'That username is already taken.',
  emailTaken: 'A user with that email address already exists.',
  mismatch: "Your passwords didn't match.",
  blankPassword: "Blank passwords aren't allowed.",
  success: 'Superuser created successfully.',
};

/**
 * Creates a superuser (is_staff and is_superuser true) as Django's `createsuperuser` does, through
 * createAccount so that signup's password validators apply. Interactive mode prompts for the
 * username, the email (blank allowed, as in Django) and the password twice with hidden input. After
 * each rejected value it prints Django's message and prompts again. Returns the exit code: 0 created,
 * EXIT_NOT_CREATED when input was rejected or cancelled, EXIT_CANNOT_RUN when input is missing.
 */
export async function runCreateSuperuser(options: CreateSuperuserOptions): Promise<number> {
  const { streams } = options;
  const printError = (message: string) => streams.errors.write(`Error: ${message}\n`);

  if (!options.interactive) return createNonInteractively(options, printError);

  const prompt = new Prompt(streams);
  try {
    let username = options.username;
    if (username !== undefined) {
      const problem = await checkUsername(username);
      if (problem) {
        printError(problem);
        username = undefined;
      }
    }
    while (username === undefined) {
      const label = options.defaultUsername ? `Username (leave blank to use '${options.defaultUsername}'): ` : 'Username: ';
      const answer = (await prompt.readLine(label)) || options.defaultUsername || '';
      const problem = await checkUsername(answer);
      if (problem) printError(problem);
      else username = usernameSchema.parse(answer);
    }

    let email = options.email;
    if (email !== undefined) {
      const problem = await checkEmail(email);
      if (problem) {
        printError(problem);
        email = undefined;
      }
    }
    while (email === undefined) {
      const answer = await prompt.readLine('Email address: ');
      const problem = await checkEmail(answer);
      if (problem) printError(problem);
      else email = normalizeEmail(answer);
    }

    for (;;) {
      const password = await prompt.readHidden('Password: ');
      const again = await prompt.readHidden('Password (again): ');
      if (password !== again) {
        printError(MESSAGES.mismatch);
        continue;
      }
      const problem = checkPasswordShape(password);
      if (problem) {
        printError(problem);
        continue;
      }
      try {
        await createAccount({ username, email, password, first_name: '', last_name: '', is_staff: true, is_superuser: true });
      } catch (error) {
        // Django prints the validators' messages without the "Error: " prefix.
        if (error instanceof ValidationError) {
          streams.errors.write(`${(error.details?.password ?? [error.message]).join('\n')}\n`);
          continue;
        }
        return reportCreateFailure(error, printError);
      }
      streams.output.write(`${MESSAGES.success}\n`);
      return 0;
    }
  } catch (error) {
    if (!(error instanceof PromptCancelledError)) throw error;
    streams.errors.write('\nOperation cancelled.\n');
    return EXIT_NOT_CREATED;
  } finally {
    prompt.close();
  }
}

async function createNonInteractively(options: CreateSuperuserOptions, printError: (message: string) => void): Promise<number> {
  if (options.username === undefined || options.username === '') {
    printError('You must use --username with --no-input.');
    return EXIT_CANNOT_RUN;
  }
  if (options.password === undefined || options.password === '') {
    printError('Set DJANGO_SUPERUSER_PASSWORD to the password when using --no-input.');
    return EXIT_CANNOT_RUN;
  }

  const email = options.email ?? '';
  const problem = (await checkUsername(options.username)) ?? (await checkEmail(email)) ?? checkPasswordShape(options.password);
  if (problem) {
    printError(problem);
    return EXIT_NOT_CREATED;
  }

  try {
    await createAccount({
      username: usernameSchema.parse(options.username),
      email: normalizeEmail(email),
      password: options.password,
      first_name: '',
      last_name: '',
      is_staff: true,
      is_superuser: true,
    });
  } catch (error) {
    if (error instanceof ValidationError) {
      for (const message of error.details?.password ?? [error.message]) printError(message);
      return EXIT_NOT_CREATED;
    }
    return reportCreateFailure(error, printError);
  }
  options.streams.output.write(`${MESSAGES.success}\n`);
  return 0;
}

/** Reports a username or email that another user took between the check and the insert; rethrows anything else. */
function reportCreateFailure(error: unknown, printError: (message: string) => void): number {
  if (error instanceof UsernameTakenError) printError(MESSAGES.usernameTaken);
  else if (error instanceof EmailTakenError) printError(MESSAGES.emailTaken);
  else throw error;
  return EXIT_NOT_CREATED;
}

/** Returns Django's message for an unusable username, or undefined for a valid free one. */
async function checkUsername(raw: string): Promise<string | undefined> {
  if (raw === '') return MESSAGES.blank;
  const parsed = usernameSchema.safeParse(raw);
  if (!parsed.success) return parsed.error.issues.map((issue) => issue.message).join('; ');
  return (await isUserFieldTaken('username', parsed.data)) ? MESSAGES.usernameTaken : undefined;
}

/** Returns the message for an invalid or taken email, or undefined; a blank email is allowed, as in Django. */
async function checkEmail(raw: string): Promise<string | undefined> {
  if (raw.trim() === '') return undefined;
  const parsed = emailSchema.safeParse(raw);
  if (!parsed.success) return parsed.error.issues.map((issue) => issue.message).join('; ');
  return (await isUserFieldTaken('email', parsed.data)) ? MESSAGES.emailTaken : undefined;
}

function normalizeEmail(raw: string): string {
  return raw.trim() === '' ? '' : emailSchema.parse(raw);
}

/** Returns the message for a blank or overlong password; the strength validators run in createAccount. */
function checkPasswordShape(password: string): string | undefined {
  if (password.trim() === '') return MESSAGES.blankPassword;
  if (passwordLength(password) > MAX_PASSWORD_LENGTH) return `Ensure this value has at most ${MAX_PASSWORD_LENGTH} characters.`;
  return undefined;
}

/**
 * Returns the login name as Django's createsuperuser offers it: accents dropped, ASCII only,
 * spaces removed, lowercased. Returns undefined when that is not a valid username or is taken.
 */
export async function defaultSuperuserName(): Promise<string | undefined> {
  let name: string;
  try {
    name = userInfo().username;
  } catch {
    return undefined;
  }
  const ascii = name
    .normalize('NFKD')
    .replace(/[^\x00-\x7f]/g, '')
    .replace(/ /g, '')
    .toLowerCase();
  return ascii !== '' && (await checkUsername(ascii)) === undefined ? ascii : undefined;
}

/**
 * Reads prompt input from a stream. For hidden input on a terminal it switches to raw mode, so
 * nothing is echoed, and handles Backspace, Ctrl-U, Ctrl-C and Ctrl-D itself. On other streams
 * every value is one line.
 */
class Prompt {
  private buffer = '';
  private ended = false;
  private wake: (() => void) | undefined;
  private readonly onData = (chunk: Buffer | string) => {
    this.buffer += chunk.toString();
    this.wake?.();
  };
  private readonly onEnd = () => {
    this.ended = true;
    this.wake?.();
  };

  constructor(private readonly streams: PromptStreams) {
    streams.input.on('data', this.onData);
    streams.input.on('end', this.onEnd);
  }

  /** Writes the prompt and returns the next line, without its line break. */
  async readLine(prompt: string): Promise<string> {
    this.streams.output.write(prompt);
    for (;;) {
      const newline = this.buffer.indexOf('\n');
      if (newline >= 0) {
        const line = this.buffer.slice(0, newline).replace(/\r$/, '');
        this.buffer = this.buffer.slice(newline + 1);
        return line;
      }
      if (this.ended) throw new PromptCancelledError('The input ended.');
      await this.nextChunk();
    }
  }

  /** Writes the prompt and reads one answer without echoing it. */
  async readHidden(prompt: string): Promise<string> {
    const { input } = this.streams;
    if (!input.isTTY || !input.setRawMode) return this.readLine(prompt);

    this.streams.output.write(prompt);
    input.setRawMode(true);
    try {
      let answer = '';
      for (;;) {
        while (this.buffer.length > 0) {
          const [character = ''] = this.buffer;
          this.buffer = this.buffer.slice(character.length);
          if (character === '\r' || character === '\n') {
            this.streams.output.write('\n');
            return answer;
          }
          if (character === '\x03') throw new PromptCancelledError('Ctrl-C');
          if (character === '\x04' && answer === '') throw new PromptCancelledError('Ctrl-D');
          if (character === '\x7f' || character === '\b') answer = [...answer].slice(0, -1).join('');
          else if (character === '\x15') answer = '';
          else if (character >= ' ') answer += character;
        }
        if (this.ended) throw new PromptCancelledError('The input ended.');
        await this.nextChunk();
      }
    } finally {
      input.setRawMode(false);
    }
  }

  close(): void {
    this.streams.input.off('data', this.onData);
    this.streams.input.off('end', this.onEnd);
    this.streams.input.pause();
  }

  private nextChunk(): Promise<void> {
    return new Promise((resolve) => {
      this.wake = () => {
        this.wake = undefined;
        resolve();
      };
    });
  }
}
