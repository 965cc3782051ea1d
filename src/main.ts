#!/usr/bin/env node
import { runCommandLine } from './cli/cli.js';
import { accountCommands } from './cli/commands.js';
import { messageCommands } from './cli/messages-commands.js';
import { oauthCommands } from './cli/oauth-commands.js';
import { serveCommand } from './cli/serve.js';

/** Entry point of the `stratus` command; without arguments it serves (as `npm start` does). */
const commands = { serve: serveCommand, ...accountCommands, ...oauthCommands, ...messageCommands };
const argv = process.argv.slice(2);
const code = await runCommandLine(argv.length === 0 ? ['serve'] : argv, commands);
if (code !== 0) process.exitCode = code;
