// Side-effect module loaded by the preload: the audit log shares the log redaction settings and is
// flushed by the preload's shutdown sequence (SIGTERM), on top of its own `exit` flush.
import { loadConfig } from '../config.ts';
import { addShutdownTask } from '../extensions.ts';
import { createRedactor } from '../redact.ts';
import { audit } from './facade.ts';
import { setAuditRedactor } from './redaction.ts';

const redactor = createRedactor({ keys: loadConfig().redactKeys });
setAuditRedactor((details) => redactor.redact(details));
addShutdownTask(() => audit.flush());
