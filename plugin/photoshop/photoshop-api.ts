// The parts of the `photoshop` module the host uses, as structural types, so tests can pass a fake
// (tests/mocks/fake-photoshop.ts). The checks at the bottom make the compiler prove that the real module, as typed
// by @types/photoshop, fits them.
import type { action, app, constants, core, imaging } from 'photoshop';

export type PsBounds = { left: number; top: number; right: number; bottom: number };

export interface PsLayer {
  readonly id: number;
  name: string;
  readonly boundsNoEffects: PsBounds;
  /** Child layers of a group; null for other layers. */
  readonly layers: (ArrayLike<PsLayer> & Iterable<PsLayer>) | null;
  move(relativeObject: PsLayer, insertLocation: typeof constants.ElementPlacement.PLACEBEFORE): void;
  scale(width: number, height: number, anchor?: typeof constants.AnchorPosition.TOPLEFT): Promise<void>;
}

export interface PsDocument {
  readonly id: number;
  readonly title: string;
  readonly activeLayers: ArrayLike<PsLayer> & Iterable<PsLayer>;
  readonly layers: ArrayLike<PsLayer> & Iterable<PsLayer>;
  createPixelLayer(options?: { name?: string }): Promise<PsLayer | null>;
  createLayerGroup(options?: { name?: string; fromLayers?: PsLayer | PsLayer[] }): Promise<PsLayer | null>;
}

export interface PsApp {
  readonly activeDocument: PsDocument | null;
  readonly documents: ArrayLike<PsDocument> & Iterable<PsDocument>;
}

export type PsImaging = Pick<typeof imaging, 'getPixels' | 'getSelection' | 'putPixels' | 'createImageDataFromBuffer'>;
export type PsCore = Pick<typeof core, 'executeAsModal'>;
export type PsAction = Pick<typeof action, 'addNotificationListener'>;
export type PsConstants = {
  ElementPlacement: { PLACEBEFORE: typeof constants.ElementPlacement.PLACEBEFORE };
  AnchorPosition: { TOPLEFT: typeof constants.AnchorPosition.TOPLEFT };
};

export type PhotoshopApi = { app: PsApp; core: PsCore; imaging: PsImaging; action: PsAction; constants: PsConstants };

// Compile-time proof that @types/photoshop's module satisfies PhotoshopApi (no runtime code).
type Fits<T extends U, U> = T;
export type RealPhotoshopFits = Fits<
  { app: typeof app; core: typeof core; imaging: typeof imaging; action: typeof action; constants: typeof constants },
  PhotoshopApi
>;
