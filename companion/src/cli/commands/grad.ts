import type { Command } from 'commander';
import { runGrad } from '../../grad/grad-run.ts';

export function registerGrad(program: Command): void {
  program
    .command('grad')
    .description(
      'Loss and gradients of an ONNX model (forward + in-graph backward on onnxruntime); writes DIR/report.json',
    )
    .requiredOption(
      '--spec <file>',
      'spec.json: model, feeds, loss {type:"mse", output, target}, wrt, repeat, provider',
    )
    .requiredOption('--out <dir>', 'folder for report.json and the raw float32 gradient files')
    .action(async (opts: { spec: string; out: string }) => {
      const report = await runGrad(opts.spec, opts.out);
      process.stdout.write(
        `loss ${report.loss.toPrecision(6)} · forward ${report.timing.forward_ms.toFixed(1)} ms · forward+backward ${report.timing.forward_backward_ms.toFixed(1)} ms → ${opts.out}/report.json\n`,
      );
    });
}
