#!/usr/bin/env node
/** The `doorstation` command (SPEC section 1), built with commander. */
import { Command, Option } from 'commander';
import { readFileSync } from 'node:fs';
import { parse as parseToml, stringify } from 'smol-toml';
import { ConfigError, loadConfig, maskSecrets } from './config/load.js';
import { ctl } from './control/client.js';
import { configWarnings } from './door/config-warnings.js';
import { buttonSummary, buttonWarnings } from './door/button-summary.js';
import { prepareStart, runDaemon } from './run.js';
import { consoleSink } from './log/logger.js';
import { VERSION } from './version.js';
import { errorMessage } from './log/error-message.js';

const EXIT_CONFIG = 2;

function reportConfigError(e: ConfigError): number {
  for (const p of e.problems) process.stderr.write(`${p}\n`);
  return EXIT_CONFIG;
}

const program = new Command('doorstation')
  .description('SIP door station: a button rings the home screens, which see the door camera while they ring.')
  .version(VERSION, '--version')
  .showHelpAfterError();

program
  .command('run')
  .description('run the daemon in the foreground (systemd runs this)')
  .addOption(new Option('-c, --config <file>', 'config file (default /etc/doorstation/doorstation.toml if it exists, else demo defaults)'))
  .addHelpText(
    'after',
    `
The config file may hold the SIP password and the door code: keep it mode 0600,
owned by the service user (scripts/install does). SIGTERM/SIGINT stop the
daemon (calls are hung up first); SIGHUP and SIGUSR1 are ignored: restart to
apply config changes. Options: docs/configuration.md.`,
  )
  .action(async (opts: { config?: string }) => {
    const sink = consoleSink();
    let code: number;
    try {
      await prepareStart(opts.config, sink);
      const { config, file } = loadConfig(opts.config);
      code = await runDaemon({ config, configFile: file, sink });
    } catch (e) {
      if (e instanceof ConfigError) code = reportConfigError(e);
      else {
        sink.emit('error', 'daemon', `cannot start: ${errorMessage(e)}`);
        code = 1;
      }
    }
    process.exit(code);
  });

program
  .command('ctl')
  .description('send one control command to the running daemon and print the reply')
  .option('-s, --socket <path>', 'control socket', '/tmp/doorbell')
  .argument('<words...>', 'the command, e.g. call sip:homescreen@myhouse')
  .addHelpText(
    'after',
    `
Commands include call, ring [BUTTON], press [BUTTON], press-exit, answer,
terminate, call-status, dtmf, open-door [RELAY], snapshot [NAME] (a JPEG into
media.picture_dir only), history [N] (the latest calls), register-status and,
with gpio.backend = "sim", door-contact open|closed; \`doorstation ctl help\`
lists them all, docs/control-protocol.md describes them.
Exit code: 0 Ok, 1 Error, 2 daemon unreachable.`,
  )
  .action(async (words: string[], opts: { socket: string }) => {
    process.exit(await ctl(opts.socket, words.join(' ')));
  });

program
  .command('check-config')
  .description('validate the config and print the effective values, secrets masked')
  .addOption(new Option('-c, --config <file>', 'config file (default /etc/doorstation/doorstation.toml if it exists)'))
  .action((opts: { config?: string }) => {
    try {
      const { config, file } = loadConfig(opts.config);
      process.stdout.write(`# effective config from ${file ?? 'built-in defaults (no config file)'}\n`);
      process.stdout.write(stringify(maskSecrets(config)) + '\n');
      // Issue 15: what each button rings and when, as comments so the output stays TOML.
      process.stdout.write(`\n# buttons and their call plans:\n${buttonSummary(config).map((l) => `# ${l}\n`).join('')}`);
      const raw: unknown = file ? parseToml(readFileSync(file, 'utf8')) : {};
      for (const w of [...configWarnings(config), ...buttonWarnings(config, raw)]) process.stderr.write(`warning: ${w}\n`);
      process.exit(0);
    } catch (e) {
      if (e instanceof ConfigError) process.exit(reportConfigError(e));
      throw e;
    }
  });

program
  .command('devices')
  .description('list cameras (V4L2, libcamera), ALSA devices, GPIO chips and the H.264 encoders GStreamer has')
  .action(async () => {
    const { listDevices } = await import('./media/engine/devices.js');
    const d = await listDevices();
    const out: string[] = ['Cameras:'];
    out.push(...(d.cameras.length ? d.cameras.map((c) => `  ${c.source}  ${c.name}`) : ['  none']));
    out.push('ALSA devices:');
    out.push(...(d.alsa.length ? d.alsa.map((a) => `  ${a.device}  ${a.card} ${a.name}${a.capture ? ' (capture)' : ''}${a.playback ? ' (playback)' : ''}`) : ['  none']));
    out.push('GPIO chips:');
    out.push(...(d.gpioChips.length ? d.gpioChips.map((g) => `  ${g.device ?? g.sysfs ?? "?"}  ${g.label}  base ${g.base ?? "?"}  lines ${g.lines ?? "?"}`) : ['  none (no /sys/class/gpio: gpio.backend = "sim" only)']));
    out.push(`H.264 encoders: ${d.h264Encoders.join(', ') || 'none (install gstreamer1.0-plugins-ugly for x264enc)'}`);
    process.stdout.write(out.join('\n') + '\n');
  });

await program.parseAsync(process.argv);
