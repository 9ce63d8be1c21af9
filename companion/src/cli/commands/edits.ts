// `imagic edits list|show|delete`: the saved edits (<data-dir>/edits/<id>/), what `imagic render` re-samples and the
// panel reopens. `show` prints the manifest's settings; `delete` removes the edit's folder.
import type { Command } from 'commander';
import { EditStore } from '../../engine/edit-store.ts';
import { dataDirFromFlag, dataDirOption } from '../data-dir-option.ts';

type Flags = { dataDir?: string; json?: boolean };

const out = (line: string): void => void process.stdout.write(`${line}\n`);
const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;

export function registerEdits(program: Command): void {
  const edits = program
    .command('edits')
    .description('List, show and delete saved edits (what `imagic render` re-samples)');

  edits
    .command('list')
    .description('Saved edits, most recently used first')
    .option('--json', 'print one JSON array')
    .addOption(dataDirOption())
    .action(async (flags: Flags) => {
      const listed = await new EditStore(dataDirFromFlag(flags.dataDir)).listAsync();
      const rows = listed.map(({ id, manifest, bytes }) => ({
        edit_id: id,
        prompt: manifest.prompt,
        model: manifest.model.id,
        width: manifest.input.width,
        height: manifest.input.height,
        created_at: manifest.created_at,
        used_at: manifest.used_at,
        bytes,
      }));
      if (flags.json) return out(JSON.stringify(rows));
      if (rows.length === 0) return out('No saved edits. Make one with `imagic edit IMAGE --prompt TEXT`.');
      for (const r of rows)
        out(
          `${r.edit_id}  ${r.used_at.slice(0, 16).replace('T', ' ')}  ${r.width}×${r.height}  ${mb(r.bytes)}  "${r.prompt}"`,
        );
    });

  edits
    .command('show')
    .description("An edit's prompt, model, input and settings")
    .argument('<edit-id>')
    .option('--json', "print the edit's manifest as JSON")
    .addOption(dataDirOption())
    .action(async (editId: string, flags: Flags) => {
      const m = await new EditStore(dataDirFromFlag(flags.dataDir)).readManifestAsync(editId);
      if (flags.json) return out(JSON.stringify(m));
      out(`edit ${m.edit_id}: "${m.prompt}"`);
      out(
        `model ${m.model.id} (${m.model.dir}) · input ${m.input.width}×${m.input.height} · preset ${m.preset} · created ${m.created_at}`,
      );
      out(
        `trained: stage 1 ${m.train.embedSteps} steps at ${m.train.embedLr}, stage 2 ${m.train.tuneSteps} steps at ${m.train.tuneLr} (rank ${m.train.adapterRank} on ${m.train.adapterTargets.join(', ')}); final losses ${m.final_loss.embed ?? '–'} / ${m.final_loss.finetune ?? '–'}`,
      );
      out(
        `rendered with η ${m.sample.etas.join(', ')} · seeds ${m.sample.seeds.join(', ')} · ${m.sample.steps} ${m.sample.sampler} steps · guidance ${m.sample.guidanceScale}`,
      );
      out(`re-render: imagic render ${m.edit_id} --eta 0.6,0.8 --seeds 1,2`);
    });

  edits
    .command('delete')
    .description('Delete a saved edit')
    .argument('<edit-id>')
    .addOption(dataDirOption())
    .action(async (editId: string, flags: Flags) => {
      await new EditStore(dataDirFromFlag(flags.dataDir)).deleteAsync(editId);
      out(`Deleted edit ${editId}.`);
    });
}
