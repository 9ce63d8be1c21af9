// Reads the current selection for the UI: what is selected, and PNG bytes of the one selected layer.
import type { MainToUi } from '../../shared/src/bridge/messages.ts';
import { MAX_IMAGE_SIDE_PX } from '../../shared/src/protocol/defaults.ts';

export function describeSelection(): MainToUi {
  const selection = figma.currentPage.selection;
  return { type: 'selection.changed', count: selection.length, name: selection.length === 1 ? (selection[0]?.name ?? null) : null };
}

export async function exportSelectionAsync(): Promise<MainToUi> {
  const selection = figma.currentPage.selection;
  const node = selection[0];
  if (selection.length !== 1 || node === undefined)
    return { type: 'selection.failed', message: `Select exactly one layer (${selection.length} selected).` };

  // Figma refuses images over 4096 px per side (createImage), so results could not come back larger: export at
  // 1× unless that would exceed the limit, then scale down to fit.
  const longestSide = Math.max(node.width, node.height);
  const scale = longestSide > MAX_IMAGE_SIDE_PX ? MAX_IMAGE_SIDE_PX / longestSide : 1;
  try {
    const png = await node.exportAsync({ format: 'PNG', constraint: { type: 'SCALE', value: scale }, colorProfile: 'SRGB' });
    return { type: 'selection.exported', name: node.name, png };
  } catch (err) {
    return { type: 'selection.failed', message: `Figma could not export "${node.name}": ${err instanceof Error ? err.message : String(err)}` };
  }
}
