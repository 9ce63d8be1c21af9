// The two desktop services the tray's actions need: open a URL or folder with the user's default app, and put
// text on the clipboard. Each is one platform command run with an argument list (no shell, so nothing in the
// argument is ever interpreted).
import { spawn } from 'node:child_process';

type Command = { file: string; args: string[] };

const openCommands: Partial<Record<NodeJS.Platform, (target: string) => Command>> = {
  win32: (target) => ({ file: 'explorer.exe', args: [target] }),
  darwin: (target) => ({ file: 'open', args: [target] }),
};
const openOther = (target: string): Command => ({ file: 'xdg-open', args: [target] });

const clipboardCommands: Partial<Record<NodeJS.Platform, Command>> = {
  win32: { file: 'clip.exe', args: [] },
  darwin: { file: 'pbcopy', args: [] },
};
const clipboardOther: Command = { file: 'xclip', args: ['-selection', 'clipboard'] };

function runAsync({ file, args }: Command, input?: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, {
      stdio: [input === undefined ? 'ignore' : 'pipe', 'ignore', 'ignore'],
      windowsHide: true,
      detached: input === undefined,
    });
    child.on('error', reject);
    if (input === undefined) {
      child.unref();
      child.on('spawn', () => resolve());
      return;
    }
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${file} exited with ${code}`))));
    child.stdin?.end(input);
  });
}

export type DesktopShell = { openAsync(target: string): Promise<void>; copyAsync(text: string): Promise<void> };

export const desktopShell = (platform: NodeJS.Platform): DesktopShell => ({
  openAsync: (target) => runAsync((openCommands[platform] ?? openOther)(target)),
  copyAsync: (text) => runAsync(clipboardCommands[platform] ?? clipboardOther, text),
});
