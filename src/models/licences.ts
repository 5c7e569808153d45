// What users must know about the weights and data depthstyle uses by default.
export interface LicenceNote {
  what: string;
  licence: string;
  source: string;
}

/** The licence of the shared photo collection (../shared/images/photos/MANIFEST.tsv): what a model trained on its train split inherits. */
export const PHOTO_SPLIT_LICENCE =
  'research use only (../shared/images/photos: BSDS500, BSD68, Urban100, Sun-Hays80, CamVid and Kodak24 photos under research/non-commercial licences; see its MANIFEST.tsv)';

export const LICENCES: readonly LicenceNote[] = [
  {
    what: 'VGG-19 (loss network; Simonyan & Zisserman)',
    licence: 'CC BY 4.0 — credit Oxford VGG',
    source: 'Keras port via azertat/tfjs_models (uint8) and DavidCai1111/vgg19-tensorflowjs-model (fp32, MIT)',
  },
  {
    what: 'PyDNet v2 depth network (Aleotti et al., Sensors 2021) — default',
    licence: 'network weights for academic research use only; OMA app code Apache-2.0',
    source: 'Suraj520/OMA (fork of the authors’ app)',
  },
  { what: 'PyDNet++ v1 depth network', licence: 'weights for academic/demonstration use only; code Apache-2.0', source: 'FilippoAleotti/mobilePydnet' },
  {
    what: 'Arbitrary-style networks (style predictor + transfer network; Ghiasi, Lee, Kudlur, Dumoulin, Shlens, "Exploring the structure of a real-time, arbitrary neural artistic stylization network", BMVC 2017) — stylize --style',
    licence: 'Apache-2.0 (TensorFlow/Magenta models): usable in products',
    source: 'TensorFlow Lite artistic style transfer example (Magenta arbitrary-image-stylization-v1-256), via terryky/tflite_gles_app',
  },
  {
    what: 'magenta-clean-depth (the transfer network above, fine-tuned here with the depth loss on Debian wallpapers and six public-domain paintings) — the default of stylize --style',
    licence: 'Apache-2.0, like its source: trained only on licence-clean data (../shared/images/train, public-domain paintings)',
    source: 'models/arbitrary/clean/magenta-depth.onnx, trained by scripts/train-arbitrary-twins.sh six-paintings (docs/splits.md, decision 4)',
  },
  {
    what: 'magenta-depth (the transfer network above, fine-tuned here across 66 paintings with the depth loss) — stylize --style-network magenta-depth',
    licence:
      'research use only: fine-tuned on research-use photos (BSDS500, Urban100, Sun-Hays80, CamVid) and paintings (some copyrighted); --style-network original is Apache-2.0',
    source: 'models/arbitrary/magenta-depth.onnx, trained by scripts/train-arbitrary-twins.sh (the train-split preset; docs/splits.md)',
  },
  {
    what: 'The zoo twins continued on the photos (scream-photos-*, starry-photos-*, composition-photos-*) — what --model scream|composition runs (--model starry runs the licence-clean starry-depth)',
    licence: `${PHOTO_SPLIT_LICENCE}; starry-depth and composition-depth (and their -nodepth twins), trained on ../shared/images/train, stay licence-clean`,
    source: 'models/NAME-photos-TWIN.onnx, trained by scripts/train-zoo-photos.sh (the photos-continue preset; docs/splits.md, decision 2)',
  },
  {
    what: 'Johnson/Engstrom transform nets (wave, udnie, scream, la_muse) — baseline',
    licence: 'free for research use only; not for shipped products',
    source: 'ml5js/ml5-data-and-models (lengstrom/fast-style-transfer)',
  },
  {
    what: 'Style paintings (Starry Night, The Scream, The Great Wave, Udnie, Composition VII, The Shipwreck)',
    licence: 'public domain',
    source: 'see ../shared/README.md',
  },
];
