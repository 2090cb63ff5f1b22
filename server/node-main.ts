import { createConnection, ProposedFeatures } from 'vscode-languageserver/node';
import { nodeRuntime } from './runtime';
import { startServer } from './server';

// Transport from the command line: --stdio (tests, other editors) or --node-ipc (VS Code).
startServer(createConnection(ProposedFeatures.all), nodeRuntime());
