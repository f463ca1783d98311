import type { Random } from './random.ts';

/** What the catalog accepts as an attribute value (a string, number, boolean or a list). */
export type AttributeValue = string | number | boolean | (string | number)[];

/** One kind of thing a category sells, e.g. "Wireless Headphones". */
export interface ItemSpec {
  /** As it reads in a product name. */
  noun: string;
  /** Price range in major units of a two-decimal currency (dollars, euros). */
  price: readonly [number, number];
  /** What this kind of item is made of; the category's list when left out. */
  materials?: readonly string[];
  /** Whether a colour is part of this item (a book has none). */
  coloured?: boolean;
  /** Attributes of this kind of item, beyond brand, colour and material. */
  attributes?: (r: Random) => Record<string, AttributeValue>;
  /** Sentences about this kind of item; `{color}`, `{material}`, `{brand}`, `{noun}` are filled in. */
  details: readonly string[];
}

/** A category with the word lists its products are made of. */
export interface CategorySpec {
  slug: string;
  name: string;
  /** SKU prefix. */
  code: string;
  brands: readonly string[];
  /** Model or collection names that sit between the brand and the noun. */
  lines: readonly string[];
  colors: readonly string[];
  materials: readonly string[];
  items: readonly ItemSpec[];
  /** First and last sentences for any item of the category. */
  openers: readonly string[];
  closers: readonly string[];
  /** A name made differently (books have titles, not brand + noun). */
  nameOf?: (r: Random, item: ItemSpec) => string;
}

export const CATEGORIES: readonly CategorySpec[] = [
  {
    slug: 'audio',
    name: 'Audio',
    code: 'AUD',
    brands: ['Kestrel', 'Sonora', 'Halden', 'Vantaa', 'Lumio'],
    lines: ['Aero', 'Pulse', 'Echo', 'Studio', 'Nova', 'Halo', 'Drift', 'Arc', 'Tempo', 'Verse'],
    colors: ['black', 'white', 'charcoal', 'navy', 'sand', 'forest green', 'silver'],
    materials: ['aluminium', 'recycled plastic', 'matte polymer', 'anodised aluminium'],
    items: [
      {
        noun: 'Wireless Headphones',
        price: [79, 349],
        attributes: (r) => ({ batteryHours: r.pick([30, 40, 45, 60]), connectivity: 'Bluetooth 5.3', foldable: r.chance(0.6) }),
        details: ['Memory-foam ear cushions stay comfortable through a long flight.', 'A quick ten-minute charge gives hours of playback.'],
      },
      {
        noun: 'Noise-Cancelling Headphones',
        price: [149, 399],
        attributes: (r) => ({ batteryHours: r.pick([24, 30, 35]), connectivity: 'Bluetooth 5.3', noiseCancelling: true }),
        details: [
          'Adaptive noise cancelling quiets trains, offices and open-plan chatter.',
          'Transparency mode lets the world back in with a tap.',
        ],
      },
      {
        noun: 'True Wireless Earbuds',
        price: [49, 249],
        attributes: (r) => ({ batteryHours: r.pick([6, 8, 10]), chargingCaseHours: r.pick([24, 30, 36]), waterResistance: 'IPX4' }),
        details: ['Three sizes of silicone tips come in the box for a secure fit.', 'The pocket-sized case charges wirelessly.'],
      },
      {
        noun: 'Bluetooth Speaker',
        price: [39, 299],
        attributes: (r) => ({
          batteryHours: r.pick([12, 16, 20, 24]),
          waterResistance: r.pick(['IPX5', 'IP67']),
          watts: r.pick([10, 20, 30, 40]),
        }),
        details: [
          'It floats, shrugs off rain and pairs with a second speaker for stereo.',
          'A fabric wrap and a sturdy strap make it ready for the beach.',
        ],
      },
      {
        noun: 'Bookshelf Speakers',
        price: [149, 599],
        attributes: (r) => ({ watts: r.pick([50, 60, 80, 100]), inputs: ['Bluetooth', 'optical', 'RCA'], pair: true }),
        details: ['Silk-dome tweeters keep vocals clear and detailed.', 'Built-in amplification means no receiver is needed.'],
      },
      {
        noun: 'Soundbar',
        price: [129, 699],
        attributes: (r) => ({ channels: r.pick(['2.1', '3.1', '5.1']), inputs: ['HDMI eARC', 'optical', 'Bluetooth'] }),
        details: ['Dialogue enhancement lifts voices above the soundtrack.', 'One HDMI cable and the TV remote controls it.'],
      },
      {
        noun: 'Turntable',
        price: [149, 499],
        attributes: (r) => ({ speeds: [33, 45], builtInPreamp: r.chance(0.8), drive: r.pick(['belt', 'direct']) }),
        details: [
          'A pre-mounted cartridge means it plays records straight out of the box.',
          'The heavy platter keeps speed steady and rumble low.',
        ],
      },
      {
        noun: 'Studio Monitor Headphones',
        price: [99, 299],
        attributes: (r) => ({ impedanceOhms: r.pick([32, 38, 80]), cable: 'detachable', closedBack: r.chance(0.7) }),
        details: [
          'A flat, honest response makes them a favourite for mixing at home.',
          'Replaceable ear pads and cable keep them going for years.',
        ],
      },
      {
        noun: 'Portable Radio',
        price: [29, 89],
        attributes: (r) => ({ bands: ['FM', 'DAB+'], batteryHours: r.pick([20, 30, 40]) }),
        details: ['Presets for your favourite stations sit under big, friendly buttons.', 'It runs on batteries or the mains.'],
      },
      {
        noun: 'USB Microphone',
        price: [59, 179],
        attributes: (r) => ({ pattern: r.pick(['cardioid', 'multi-pattern']), sampleRateKhz: r.pick([48, 96]), headphoneJack: true }),
        details: [
          'Plug it in and it is ready for podcasts, streams and video calls.',
          'A zero-latency headphone jack lets you hear yourself as you record.',
        ],
      },
    ],
    openers: [
      'Built for people who listen closely: the {name}.',
      'Great sound without the fuss: meet the {name}.',
      'Everyday listening, done properly.',
    ],
    closers: ['Finished in {color} {material}.', 'Backed by a two-year warranty.', 'Designed in-house by {brand}.'],
  },
  {
    slug: 'computing',
    name: 'Computing',
    code: 'CMP',
    brands: ['Northcode', 'Bitwell', 'Keyforge', 'Lumio', 'Halden'],
    lines: ['Pro', 'Flow', 'Slim', 'Core', 'Edge', 'Focus', 'Atlas', 'Quill', 'Vector', 'Orbit'],
    colors: ['black', 'white', 'slate grey', 'silver', 'sage'],
    materials: ['aluminium', 'recycled plastic', 'steel', 'felt'],
    items: [
      {
        noun: 'Mechanical Keyboard',
        price: [69, 229],
        attributes: (r) => ({
          layout: r.pick(['ANSI', 'ISO']),
          switches: r.pick(['tactile', 'linear', 'clicky']),
          size: r.pick(['75%', 'TKL', 'full']),
        }),
        details: [
          'Hot-swappable switches let you change the feel without soldering.',
          'PBT keycaps keep their texture after years of typing.',
        ],
      },
      {
        noun: 'Wireless Mouse',
        price: [25, 99],
        attributes: (r) => ({
          dpi: r.pick([1600, 4000, 8000]),
          batteryDays: r.pick([70, 90, 120]),
          connectivity: ['Bluetooth', 'USB receiver'],
        }),
        details: ['It switches between three computers with one button.', 'Silent clicks keep shared offices peaceful.'],
      },
      {
        noun: '27-inch Monitor',
        price: [219, 649],
        attributes: (r) => ({
          resolution: r.pick(['2560x1440', '3840x2160']),
          refreshHz: r.pick([60, 75, 144]),
          usbCPowerWatts: r.pick([65, 90]),
        }),
        details: ['One USB-C cable carries picture, data and charging for a laptop.', 'The stand tilts, swivels and rises to eye level.'],
      },
      {
        noun: 'USB-C Hub',
        price: [29, 119],
        attributes: (r) => ({ ports: r.pick([5, 7, 9]), hdmi: '4K 60 Hz', passThroughWatts: 100 }),
        details: [
          'Card readers, HDMI and Ethernet in a hub the size of a chocolate bar.',
          'It passes through up to 100 W to keep your laptop charged.',
        ],
      },
      {
        noun: 'Laptop Stand',
        price: [29, 89],
        attributes: (r) => ({ maxScreenInches: r.pick([16, 17]), adjustable: r.chance(0.7) }),
        details: ['It raises the screen to eye level and folds flat for the bag.', 'Open sides let the laptop breathe and stay cool.'],
      },
      {
        noun: 'Webcam',
        price: [49, 199],
        attributes: (r) => ({ resolution: r.pick(['1080p', '4K']), privacyShutter: true, microphones: 2 }),
        details: ['Automatic light correction keeps you looking good in a dim room.', 'A built-in privacy shutter slides across the lens.'],
      },
      {
        noun: 'Portable SSD',
        price: [69, 299],
        attributes: (r) => ({ capacityGb: r.pick([500, 1000, 2000, 4000]), readMbPerSecond: r.pick([1050, 2000]), interface: 'USB-C' }),
        details: ['Rubberised corners survive a drop from the desk.', 'Fast enough to edit video straight from the drive.'],
      },
      {
        noun: 'Laptop Sleeve',
        price: [25, 69],
        attributes: (r) => ({ fitsInches: r.pick([13, 14, 15, 16]) }),
        details: [
          'A soft lining protects the finish; a slim pocket holds the charger.',
          'Water-repellent on the outside, plush on the inside.',
        ],
      },
      {
        noun: 'Desk Mat',
        price: [19, 59],
        attributes: (r) => ({ widthCm: r.pick([80, 90, 100]), depthCm: r.pick([30, 40]) }),
        details: ['Wide enough for keyboard and mouse, with a non-slip base.', 'Stitched edges that will not fray.'],
      },
      {
        noun: 'Ergonomic Mouse',
        price: [49, 129],
        attributes: (r) => ({ angleDegrees: r.pick([57, 60]), hand: r.pick(['right', 'left']) }),
        details: [
          'The vertical grip takes strain off the wrist during long days.',
          'A thumb rest and programmable buttons put shortcuts within reach.',
        ],
      },
    ],
    openers: ['The {name} makes a desk work better.', 'Small upgrade, big difference: the {name}.', 'Built for long working days.'],
    closers: ['In {color}, made of {material}.', 'Works with Mac, Windows, Linux and ChromeOS.', 'Two-year warranty from {brand}.'],
  },
  {
    slug: 'kitchen',
    name: 'Kitchen',
    code: 'KIT',
    brands: ['Ember & Stone', 'Copperline', 'Hearthwell', 'Saltmarsh', 'Oakhollow'],
    lines: ['Classic', 'Artisan', 'Everyday', 'Heritage', 'Chef', 'Harvest', 'Bistro', 'Nordic', 'Coastal', 'Provence'],
    colors: ['black', 'white', 'oat', 'sage', 'terracotta', 'navy', 'mustard', 'natural'],
    materials: ['stainless steel', 'cast iron', 'stoneware', 'borosilicate glass', 'acacia wood', 'enamelled steel'],
    items: [
      {
        noun: "Chef's Knife",
        materials: ['stainless steel', 'Damascus steel'],
        price: [39, 189],
        coloured: false,
        attributes: (r) => ({
          bladeCm: r.pick([18, 20, 21, 23]),
          steel: r.pick(['German X50CrMoV15', 'Japanese VG-10']),
          dishwasherSafe: false,
        }),
        details: ['A full tang and a balanced handle make long prep sessions easy.', 'Hand-sharpened to a 15-degree edge.'],
      },
      {
        noun: 'Cast Iron Skillet',
        materials: ['cast iron'],
        price: [29, 119],
        attributes: (r) => ({ diameterCm: r.pick([20, 26, 30]), preSeasoned: true, induction: true }),
        details: ['Pre-seasoned and ready to sear, bake and fry.', 'It goes from hob to oven to table.'],
      },
      {
        noun: 'Pour-Over Coffee Maker',
        materials: ['borosilicate glass', 'stoneware'],
        price: [25, 69],
        attributes: (r) => ({ cups: r.pick([2, 4, 6]), filter: r.pick(['paper', 'reusable steel']) }),
        details: ['A steady, slow pour brings out a clean, bright cup.', 'Everything comes apart for the dishwasher.'],
      },
      {
        noun: 'Ceramic Mug Set',
        materials: ['stoneware', 'porcelain'],
        price: [24, 64],
        attributes: (r) => ({ pieces: r.pick([2, 4, 6]), capacityMl: r.pick([300, 350, 400]), dishwasherSafe: true }),
        details: ['Each mug is glazed by hand, so no two are quite alike.', 'Comfortable handles and a generous size for a proper brew.'],
      },
      {
        noun: 'Electric Kettle',
        materials: ['stainless steel', 'enamelled steel'],
        price: [39, 149],
        attributes: (r) => ({ capacityLitres: r.pick([1, 1.2, 1.7]), temperatureControl: r.chance(0.5), watts: 2200 }),
        details: [
          'It boils a full jug in under four minutes and switches off by itself.',
          'Set temperatures for green tea, coffee and everything between.',
        ],
      },
      {
        noun: 'Cutting Board',
        materials: ['acacia wood', 'walnut', 'oak'],
        price: [19, 79],
        coloured: false,
        attributes: (r) => ({ sizeCm: r.pick(['30x20', '40x30', '50x35']), juiceGroove: r.chance(0.6) }),
        details: ['End-grain construction is kind to knife edges.', 'A deep juice groove keeps the counter clean.'],
      },
      {
        noun: 'Stainless Saucepan',
        materials: ['stainless steel'],
        price: [29, 129],
        coloured: false,
        attributes: (r) => ({ capacityLitres: r.pick([1.5, 2, 3]), lid: true, induction: true }),
        details: ['A tri-ply base spreads heat evenly without hot spots.', 'Pouring rims on both sides mean no more drips.'],
      },
      {
        noun: 'French Press',
        materials: ['borosilicate glass', 'stainless steel'],
        price: [25, 79],
        attributes: (r) => ({ capacityLitres: r.pick([0.35, 0.8, 1]), doubleWalled: r.chance(0.5) }),
        details: ['A fine double mesh filter keeps grounds out of the cup.', 'It makes rich coffee and loose-leaf tea alike.'],
      },
      {
        noun: 'Dutch Oven',
        materials: ['enamelled cast iron'],
        price: [69, 289],
        attributes: (r) => ({ capacityLitres: r.pick([3.8, 4.7, 5.3]), ovenSafeCelsius: 260 }),
        details: ['Slow-cooked stews, crusty bread and braises all come out beautifully.', 'The tight-fitting lid keeps moisture in.'],
      },
      {
        noun: 'Spice Grinder',
        materials: ['acacia wood', 'stainless steel'],
        price: [19, 59],
        attributes: (r) => ({ mechanism: r.pick(['ceramic burr', 'steel blade']), adjustable: true }),
        details: ['Turn the collar from fine to coarse.', 'Freshly ground spices make an ordinary dish sing.'],
      },
    ],
    openers: [
      'A kitchen essential that earns its place: the {name}.',
      'The {name} is made for cooks who care.',
      'Built to be used every day.',
    ],
    closers: ['Made of {material}.', 'Finished in {color}.', 'Comes with a lifetime guarantee from {brand}.'],
  },
  {
    slug: 'home',
    name: 'Home',
    code: 'HOM',
    brands: ['Juniper Lane', 'Fernhill', 'Marlowe', 'Hollis', 'Petrichor'],
    lines: ['Linen', 'Haven', 'Dune', 'Meadow', 'Tide', 'Ember', 'Willow', 'Loft', 'Grove', 'Harbour'],
    colors: ['oat', 'sand', 'sage', 'terracotta', 'charcoal', 'blush pink', 'navy', 'mustard', 'white'],
    materials: ['linen', 'wool', 'ceramic', 'rattan', 'oak', 'cotton', 'brass'],
    items: [
      {
        noun: 'Table Lamp',
        materials: ['ceramic', 'brass', 'oak'],
        price: [49, 189],
        attributes: (r) => ({ heightCm: r.pick([35, 42, 50]), bulb: 'E27 LED', dimmable: r.chance(0.6) }),
        details: ['A fabric shade gives a warm, even glow for reading.', 'The dimmer sets the mood from bright to candle-soft.'],
      },
      {
        noun: 'Throw Pillow',
        materials: ['linen', 'cotton', 'wool'],
        price: [19, 59],
        attributes: (r) => ({ sizeCm: r.pick(['45x45', '50x50', '30x50']), insert: 'feather' }),
        details: ['A hidden zip makes the cover easy to wash.', 'Plump and soft, it softens any sofa.'],
      },
      {
        noun: 'Wool Blanket',
        materials: ['lambswool', 'merino wool'],
        price: [69, 199],
        attributes: (r) => ({ sizeCm: r.pick(['130x180', '150x200']), weightKg: r.pick([1.2, 1.5, 1.8]) }),
        details: ['Woven from soft lambswool with a fringed edge.', 'Warm on cold nights, light enough for spring.'],
      },
      {
        noun: 'Ceramic Vase',
        materials: ['stoneware', 'ceramic'],
        price: [24, 89],
        attributes: (r) => ({ heightCm: r.pick([18, 25, 32]), watertight: true }),
        details: ['A reactive glaze means every vase is a little different.', 'Lovely with fresh stems or dried grasses.'],
      },
      {
        noun: 'Wall Clock',
        materials: ['oak', 'brass', 'walnut'],
        price: [29, 99],
        attributes: (r) => ({ diameterCm: r.pick([30, 35, 40]), movement: 'silent sweep' }),
        details: ['A silent sweep movement means no ticking at night.', 'Clean numerals you can read across the room.'],
      },
      {
        noun: 'Scented Candle',
        materials: ['ceramic', 'glass'],
        price: [16, 48],
        attributes: (r) => ({
          scent: r.pick(['fig and cedar', 'sea salt', 'amber', 'wild mint', 'bergamot']),
          burnHours: r.pick([40, 50, 60]),
          wax: 'soy',
        }),
        details: ['Hand-poured soy wax burns clean and slow.', 'A cotton wick and a reusable glass jar.'],
      },
      {
        noun: 'Floor Lamp',
        materials: ['brass', 'oak', 'powder-coated steel'],
        price: [89, 329],
        attributes: (r) => ({ heightCm: r.pick([150, 160, 175]), bulb: 'E27 LED', footSwitch: true }),
        details: ['An arching arm throws light exactly where you want it.', 'A weighted base keeps it steady.'],
      },
      {
        noun: 'Bath Towel Set',
        materials: ['cotton', 'organic cotton'],
        price: [35, 99],
        attributes: (r) => ({ pieces: r.pick([2, 4, 6]), gsm: r.pick([600, 700]) }),
        details: ['Long-staple cotton gets softer with every wash.', 'Quick to dry, generous to wrap up in.'],
      },
      {
        noun: 'Storage Basket',
        materials: ['rattan', 'seagrass', 'cotton rope'],
        price: [19, 69],
        attributes: (r) => ({ diameterCm: r.pick([25, 35, 45]), handles: true }),
        details: ['Hand-woven and sturdy enough for blankets, toys or logs.', 'Tidies a corner beautifully.'],
      },
      {
        noun: 'Framed Print',
        materials: ['oak', 'black ash'],
        price: [39, 159],
        attributes: (r) => ({ sizeCm: r.pick(['30x40', '50x70']), frame: r.pick(['oak', 'black ash', 'white']) }),
        details: ['Printed on heavyweight archival paper.', 'Arrives ready to hang.'],
      },
    ],
    openers: ['Make home feel like home with the {name}.', 'Quiet, considered design: the {name}.', 'A small thing that changes a room.'],
    closers: ['In {color} {material}.', 'Designed by {brand} in small batches.', 'Free returns within 30 days.'],
  },
  {
    slug: 'clothing',
    name: 'Clothing',
    code: 'CLO',
    brands: ['Arbor & Finch', 'Tidewell', 'Northbound', 'Alder', 'Marlowe'],
    lines: ['Essential', 'Weekend', 'Coastal', 'Alpine', 'Heritage', 'Studio', 'Field', 'Harbour', 'Relaxed', 'Classic'],
    colors: ['black', 'white', 'navy', 'oat', 'forest green', 'rust', 'burgundy', 'slate grey', 'sky blue', 'olive'],
    materials: ['organic cotton', 'merino wool', 'linen', 'recycled polyester', 'denim', 'brushed cotton'],
    items: [
      {
        noun: 'Cotton T-Shirt',
        materials: ['organic cotton'],
        price: [19, 45],
        attributes: (r) => ({ sizes: ['XS', 'S', 'M', 'L', 'XL'], fit: r.pick(['regular', 'relaxed', 'slim']) }),
        details: ['A heavyweight jersey that keeps its shape wash after wash.', 'A crew neck with a soft, taped seam.'],
      },
      {
        noun: 'Merino Sweater',
        materials: ['merino wool'],
        price: [69, 159],
        attributes: () => ({ sizes: ['S', 'M', 'L', 'XL'], machineWashable: true }),
        details: ['Fine merino is warm, breathable and never itchy.', 'Ribbed cuffs and hem hold their shape.'],
      },
      {
        noun: 'Hooded Sweatshirt',
        materials: ['organic cotton', 'brushed cotton'],
        price: [45, 99],
        attributes: (r) => ({ sizes: ['XS', 'S', 'M', 'L', 'XL', 'XXL'], fit: r.pick(['regular', 'oversized']) }),
        details: ['Brushed inside for softness, with a roomy kangaroo pocket.', 'A lined hood and flat drawcords.'],
      },
      {
        noun: 'Denim Jacket',
        materials: ['denim'],
        price: [79, 169],
        attributes: () => ({ sizes: ['S', 'M', 'L', 'XL'], weightOz: 13 }),
        details: ['Rigid denim that breaks in to fit only you.', 'Copper buttons and two chest pockets.'],
      },
      {
        noun: 'Rain Jacket',
        materials: ['recycled polyester'],
        price: [89, 249],
        attributes: (r) => ({ sizes: ['S', 'M', 'L', 'XL'], waterproofMm: r.pick([10000, 15000, 20000]), packable: true }),
        details: ['Taped seams and a storm hood keep the downpour out.', 'It packs into its own pocket.'],
      },
      {
        noun: 'Chino Trousers',
        materials: ['organic cotton', 'brushed cotton'],
        price: [49, 109],
        attributes: (r) => ({ waistInches: [28, 30, 32, 34, 36], fit: r.pick(['slim', 'straight', 'tapered']) }),
        details: ['A touch of stretch for comfort at the desk and on the bike.', 'Smart enough for the office, easy at the weekend.'],
      },
      {
        noun: 'Flannel Shirt',
        materials: ['brushed cotton'],
        price: [45, 95],
        attributes: () => ({ sizes: ['S', 'M', 'L', 'XL'], pattern: 'check' }),
        details: ['Double-brushed for softness that lasts.', 'A classic check with a button-down collar.'],
      },
      {
        noun: 'Puffer Vest',
        materials: ['recycled polyester'],
        price: [69, 179],
        attributes: (r) => ({ sizes: ['S', 'M', 'L', 'XL'], fill: r.pick(['recycled down', 'synthetic insulation']) }),
        details: ['Light warmth for the core, free arms for everything else.', 'Zipped hand pockets keep the essentials safe.'],
      },
      {
        noun: 'Linen Shirt',
        materials: ['linen'],
        price: [49, 119],
        attributes: () => ({ sizes: ['S', 'M', 'L', 'XL'], garmentDyed: true }),
        details: ['Garment-washed linen that is soft from the first wear.', 'Cool and crisp on the hottest days.'],
      },
      {
        noun: 'Wool Beanie',
        materials: ['merino wool', 'lambswool'],
        price: [19, 45],
        attributes: () => ({ sizes: ['one size'] }),
        details: ['A deep cuff keeps ears warm on windy walks.', 'Knitted in a fine rib that never itches.'],
      },
    ],
    openers: ['An everyday favourite: the {name}.', 'Made to be worn, washed and worn again.', 'Thoughtfully made, built to last.'],
    closers: ['Shown in {color}; made of {material}.', 'Ethically made by {brand}.', 'Free exchanges on sizes.'],
  },
  {
    slug: 'footwear',
    name: 'Footwear',
    code: 'FTW',
    brands: ['Stridewell', 'Corvo', 'Northbound', 'Pathmaker', 'Alder'],
    lines: ['Trail', 'City', 'Runner', 'Summit', 'Glide', 'Ridge', 'Metro', 'Terra', 'Swift', 'Cove'],
    colors: ['black', 'white', 'navy', 'sand', 'olive', 'rust', 'charcoal'],
    materials: ['full-grain leather', 'suede', 'recycled mesh', 'canvas', 'merino wool'],
    items: [
      {
        noun: 'Running Shoes',
        materials: ['recycled mesh'],
        price: [79, 189],
        attributes: (r) => ({ sizesEu: [38, 39, 40, 41, 42, 43, 44, 45, 46], dropMm: r.pick([4, 8, 10]), weightG: r.int(220, 310) }),
        details: ['A responsive foam midsole gives a lively, cushioned ride.', 'A breathable upper keeps feet cool over long miles.'],
      },
      {
        noun: 'Leather Sneakers',
        materials: ['full-grain leather'],
        price: [89, 199],
        attributes: () => ({ sizesEu: [37, 38, 39, 40, 41, 42, 43, 44, 45], sole: 'cupsole' }),
        details: ['A minimal silhouette that goes with everything.', 'Stitched cupsoles can be resoled.'],
      },
      {
        noun: 'Hiking Boots',
        materials: ['full-grain leather', 'suede'],
        price: [119, 259],
        attributes: (r) => ({ sizesEu: [38, 39, 40, 41, 42, 43, 44, 45, 46], waterproof: true, sole: r.pick(['Vibram', 'rubber lug']) }),
        details: ['A waterproof membrane keeps feet dry through bog and stream.', 'Deep lugs grip on wet rock.'],
      },
      {
        noun: 'Chelsea Boots',
        materials: ['suede', 'full-grain leather'],
        price: [129, 249],
        attributes: () => ({ sizesEu: [38, 39, 40, 41, 42, 43, 44, 45], pullTabs: true }),
        details: ['Elastic gussets and pull tabs make them easy on and off.', 'A Goodyear-welted sole built for years of wear.'],
      },
      {
        noun: 'Canvas Slip-Ons',
        materials: ['canvas'],
        price: [39, 79],
        attributes: () => ({ sizesEu: [36, 37, 38, 39, 40, 41, 42, 43, 44, 45] }),
        details: ['Easy to slip on for summer days.', 'A cushioned insole and a vulcanised sole.'],
      },
      {
        noun: 'Trail Runners',
        materials: ['recycled mesh'],
        price: [99, 179],
        attributes: (r) => ({ sizesEu: [38, 39, 40, 41, 42, 43, 44, 45, 46], lugMm: r.pick([4, 5]), rockPlate: true }),
        details: ['A rock plate shields your feet on technical ground.', 'Grippy lugs for mud, gravel and scree.'],
      },
      {
        noun: 'Sandals',
        materials: ['full-grain leather', 'recycled webbing'],
        price: [35, 99],
        attributes: () => ({ sizesEu: [36, 37, 38, 39, 40, 41, 42, 43, 44, 45], adjustableStraps: true }),
        details: ['A contoured footbed supports the arch all day.', 'Adjustable straps and a quick-dry lining.'],
      },
      {
        noun: 'Wool Slippers',
        materials: ['merino wool', 'felted wool'],
        price: [39, 89],
        attributes: () => ({ sizesEu: [36, 37, 38, 39, 40, 41, 42, 43, 44, 45], indoorOutdoorSole: true }),
        details: ['Felted wool keeps toes warm and never feels sweaty.', 'A rubber sole for the dash to the letterbox.'],
      },
    ],
    openers: ['Step out in the {name}.', 'Comfort from the first wear: the {name}.', 'Made for miles.'],
    closers: ['In {color} {material}.', 'Free size exchanges from {brand}.', 'Half sizes: pick the next size up.'],
  },
  {
    slug: 'outdoors',
    name: 'Outdoors',
    code: 'OUT',
    brands: ['Pathmaker', 'Kestrel', 'Summitry', 'Fjellstad', 'Tidewell'],
    lines: ['Ridge', 'Basecamp', 'Trek', 'Alpine', 'Horizon', 'Wildwood', 'Canyon', 'Glacier', 'Ranger', 'Aurora'],
    colors: ['forest green', 'orange', 'navy', 'sand', 'olive', 'charcoal', 'teal'],
    materials: ['ripstop nylon', 'recycled polyester', 'aluminium', 'stainless steel', 'canvas'],
    items: [
      {
        noun: 'Two-Person Tent',
        materials: ['ripstop nylon'],
        price: [149, 449],
        attributes: (r) => ({ weightKg: r.pick([1.4, 1.8, 2.3]), seasons: r.pick([3, 4]), vestibules: 2 }),
        details: [
          'Colour-coded poles mean it pitches in minutes, even in the dark.',
          'Two doors and two porches: nobody climbs over anybody.',
        ],
      },
      {
        noun: 'Daypack',
        materials: ['recycled polyester', 'ripstop nylon'],
        price: [49, 149],
        attributes: (r) => ({ litres: r.pick([18, 22, 28, 32]), hydrationSleeve: true, rainCover: r.chance(0.5) }),
        details: ['A ventilated back panel keeps you cool on the climb.', 'Stretch side pockets hold a bottle within reach.'],
      },
      {
        noun: 'Sleeping Bag',
        materials: ['ripstop nylon'],
        price: [89, 329],
        attributes: (r) => ({
          comfortCelsius: r.pick([-5, 0, 5, 10]),
          fill: r.pick(['down', 'synthetic']),
          weightKg: r.pick([0.9, 1.1, 1.4]),
        }),
        details: ['A contoured hood and draft collar hold the warmth in.', 'It packs down small into its compression sack.'],
      },
      {
        noun: 'Insulated Water Bottle',
        materials: ['stainless steel'],
        price: [24, 49],
        attributes: (r) => ({ capacityMl: r.pick([500, 750, 1000]), keepsColdHours: 24, keepsHotHours: 12 }),
        details: ['Double-walled: ice stays frozen all day.', 'A leakproof lid with a carry loop.'],
      },
      {
        noun: 'Camping Stove',
        materials: ['stainless steel', 'aluminium'],
        price: [39, 149],
        attributes: (r) => ({ fuel: r.pick(['gas canister', 'multi-fuel']), boilMinutes: r.pick([3, 4]), weightG: r.int(80, 400) }),
        details: ['Boils a litre of water in under four minutes.', 'A built-in igniter and a stable pot support.'],
      },
      {
        noun: 'Headlamp',
        materials: ['aluminium', 'recycled plastic'],
        price: [19, 79],
        attributes: (r) => ({ lumens: r.pick([300, 450, 600]), rechargeable: true, redLight: true }),
        details: ['A red-light mode saves night vision at camp.', 'USB-C charging and a lock against switching on in the bag.'],
      },
      {
        noun: 'Trekking Poles',
        materials: ['aluminium', 'carbon fibre'],
        price: [39, 149],
        attributes: (r) => ({ lengthCm: '100–135', weightG: r.int(390, 560), folding: r.chance(0.5) }),
        details: ['Cork grips stay comfortable in the heat.', 'Flick locks adjust the length with gloves on.'],
      },
      {
        noun: 'Camping Hammock',
        materials: ['ripstop nylon'],
        price: [29, 99],
        attributes: (r) => ({ maxLoadKg: r.pick([150, 200]), strapsIncluded: true }),
        details: ['Tree-friendly straps set it up in a minute.', 'Parachute nylon that packs to the size of a grapefruit.'],
      },
      {
        noun: 'Camp Chair',
        materials: ['aluminium', 'ripstop nylon'],
        price: [35, 129],
        attributes: (r) => ({ maxLoadKg: r.pick([120, 145]), weightKg: r.pick([0.9, 1.2, 2.5]) }),
        details: ['It folds into a bag the size of a water bottle.', 'A high back and a cup holder for long evenings by the fire.'],
      },
      {
        noun: 'Dry Bag',
        materials: ['ripstop nylon', 'TPU-coated nylon'],
        price: [15, 45],
        attributes: (r) => ({ litres: r.pick([5, 10, 20, 30]), rollTop: true }),
        details: ['Roll the top three times and it is watertight.', 'Welded seams and a shoulder strap.'],
      },
    ],
    openers: ['Head outside with the {name}.', 'Trail-tested and ready: the {name}.', 'Built for wind, rain and the long way round.'],
    closers: ['In {color} {material}.', 'Repairs for life from {brand}.', 'Tested in the mountains before it reaches you.'],
  },
  {
    slug: 'fitness',
    name: 'Fitness',
    code: 'FIT',
    brands: ['Corefit', 'Stridewell', 'Ironleaf', 'Vantaa', 'Kinetik'],
    lines: ['Pro', 'Flex', 'Studio', 'Power', 'Balance', 'Motion', 'Zen', 'Active', 'Form', 'Peak'],
    colors: ['black', 'plum', 'teal', 'sage', 'charcoal', 'blush pink', 'sky blue'],
    materials: ['natural rubber', 'TPE', 'cast iron', 'steel', 'neoprene', 'cork'],
    items: [
      {
        noun: 'Yoga Mat',
        materials: ['natural rubber', 'TPE', 'cork'],
        price: [29, 119],
        attributes: (r) => ({ thicknessMm: r.pick([3, 4, 6]), lengthCm: r.pick([183, 200]), nonSlip: true }),
        details: ['Grippy on both sides, even in a hot class.', 'Alignment lines help place hands and feet.'],
      },
      {
        noun: 'Adjustable Dumbbells',
        materials: ['steel'],
        price: [149, 449],
        attributes: (r) => ({ maxKgEach: r.pick([20, 24, 32]), increments: r.pick([2, 2.5]) }),
        details: ['Turn the dial to change the weight in seconds.', 'Replaces a whole rack of dumbbells.'],
      },
      {
        noun: 'Resistance Band Set',
        materials: ['natural rubber'],
        price: [19, 49],
        attributes: (r) => ({ bands: r.pick([5, 6]), maxResistanceKg: r.pick([30, 45]), doorAnchor: true }),
        details: ['Five levels of resistance and a door anchor in a carry bag.', 'A full-body workout anywhere.'],
      },
      {
        noun: 'Foam Roller',
        materials: ['EVA foam'],
        price: [19, 59],
        attributes: (r) => ({ lengthCm: r.pick([33, 45, 90]), density: r.pick(['medium', 'firm']) }),
        details: ['Textured zones work out knots after a run.', 'A hollow core that keeps its shape.'],
      },
      {
        noun: 'Jump Rope',
        materials: ['steel'],
        price: [12, 39],
        attributes: () => ({ adjustable: true, bearings: true }),
        details: ['Ball bearings keep it spinning fast and smooth.', 'Adjust the cable length in seconds.'],
      },
      {
        noun: 'Kettlebell',
        materials: ['cast iron'],
        price: [29, 129],
        attributes: (r) => ({ weightKg: r.pick([8, 12, 16, 20, 24]) }),
        details: ['A wide handle fits two hands for swings.', 'A flat base stands steady on the floor.'],
      },
      {
        noun: 'Pull-Up Bar',
        materials: ['steel'],
        price: [29, 89],
        attributes: (r) => ({ maxLoadKg: r.pick([120, 150]), noScrews: true }),
        details: ['It fits most door frames without a single screw.', 'Padded grips in three positions.'],
      },
      {
        noun: 'Gym Bag',
        materials: ['recycled polyester'],
        price: [35, 99],
        attributes: (r) => ({ litres: r.pick([25, 35, 45]), shoeCompartment: true }),
        details: ['A vented shoe compartment keeps kit separate.', 'Wipe-clean lining and a padded strap.'],
      },
      {
        noun: 'Fitness Tracker',
        materials: ['aluminium', 'silicone'],
        price: [49, 199],
        attributes: (r) => ({ batteryDays: r.pick([7, 10, 14]), heartRate: true, gps: r.chance(0.5), waterResistance: '5 ATM' }),
        details: ['Heart rate, sleep and steps, all day and night.', 'Swim-proof to 50 metres.'],
      },
    ],
    openers: ['Train your way with the {name}.', 'Home workouts, upgraded: the {name}.', 'Simple kit that gets used.'],
    closers: ['In {color}; made of {material}.', 'Backed by {brand} for two years.', 'Follow-along workouts included.'],
  },
  {
    slug: 'books',
    name: 'Books',
    code: 'BOK',
    brands: ['Lantern House', 'Greywater Press', 'Bramble Books', 'Northlight', 'Quillon'],
    lines: [],
    colors: [],
    materials: [],
    items: [
      {
        noun: 'Novel',
        price: [9, 26],
        coloured: false,
        attributes: (r) => ({
          pages: r.int(220, 520),
          format: r.pick(['Paperback', 'Hardcover']),
          genre: r.pick(['literary fiction', 'mystery', 'historical']),
        }),
        details: [
          'A story of family, secrets and the sea that stays with you long after the last page.',
          'Tense, tender and beautifully written.',
        ],
      },
      {
        noun: 'Cookbook',
        price: [18, 38],
        coloured: false,
        attributes: (r) => ({ pages: r.int(180, 320), format: 'Hardcover', recipes: r.int(80, 140) }),
        details: [
          'Recipes for busy weeknights and slow weekends, with a photograph for every dish.',
          'Simple, seasonal food that anyone can cook.',
        ],
      },
      {
        noun: 'Field Guide',
        price: [14, 32],
        coloured: false,
        attributes: (r) => ({ pages: r.int(160, 400), format: 'Flexibound', illustrations: r.int(200, 600) }),
        details: [
          'Pocket-sized and illustrated for identifying what you see on a walk.',
          'Clear keys and colour plates make identification easy.',
        ],
      },
      {
        noun: 'Travel Guide',
        price: [12, 28],
        coloured: false,
        attributes: (r) => ({ pages: r.int(240, 480), format: 'Paperback', maps: r.int(20, 60) }),
        details: [
          'Walking routes, maps and local secrets, updated this year.',
          'Where to eat, sleep and wander, from people who live there.',
        ],
      },
      {
        noun: 'Science Book',
        price: [12, 30],
        coloured: false,
        attributes: (r) => ({ pages: r.int(260, 420), format: r.pick(['Paperback', 'Hardcover']) }),
        details: ['A lively tour of big ideas for curious minds.', 'Clear, witty and full of surprising facts.'],
      },
      {
        noun: "Children's Book",
        price: [7, 18],
        coloured: false,
        attributes: (r) => ({ pages: r.int(24, 48), format: r.pick(['Hardcover', 'Board book']), ages: r.pick(['2–5', '3–6', '5–8']) }),
        details: ['Bright illustrations and a story to read aloud again and again.', 'A gentle bedtime tale with a twist at the end.'],
      },
    ],
    openers: ['"{name}" is a reader favourite.', 'New this season: "{name}".', 'A book worth making time for.'],
    closers: ['Published by {brand}.', 'Printed on paper from responsibly managed forests.', 'Signed copies while stocks last.'],
    nameOf: bookTitle,
  },
  {
    slug: 'toys-and-games',
    name: 'Toys and games',
    code: 'TOY',
    brands: ['Tumbleweed', 'Little Oak', 'Playhaus', 'Brightfield', 'Meeple & Co'],
    lines: ['Discovery', 'Classic', 'Rainbow', 'Explorer', 'Galaxy', 'Safari', 'Castle', 'Ocean', 'Forest', 'Rocket'],
    colors: ['red', 'yellow', 'sky blue', 'green', 'orange', 'natural', 'plum'],
    materials: ['beech wood', 'recycled cardboard', 'organic cotton', 'FSC plywood', 'BPA-free plastic'],
    items: [
      {
        noun: 'Wooden Puzzle',
        materials: ['beech wood', 'FSC plywood'],
        price: [14, 39],
        attributes: (r) => ({ pieces: r.pick([24, 48, 100]), ages: r.pick(['3+', '5+']) }),
        details: ['Chunky pieces with a satisfying click.', 'Sanded smooth and finished with child-safe paint.'],
      },
      {
        noun: 'Strategy Board Game',
        materials: ['recycled cardboard'],
        price: [24, 69],
        attributes: (r) => ({
          players: r.pick(['2–4', '2–5', '3–6']),
          minutes: r.pick([30, 45, 60, 90]),
          ages: r.pick(['8+', '10+', '12+']),
        }),
        details: ['Easy to learn, hard to master, and different every game.', 'A family favourite for long winter evenings.'],
      },
      {
        noun: 'Building Blocks Set',
        materials: ['beech wood', 'BPA-free plastic'],
        price: [19, 89],
        attributes: (r) => ({ pieces: r.pick([50, 100, 250]), ages: '3+' }),
        details: ['Towers, bridges, castles: the only limit is imagination.', 'Pieces that fit together firmly and come apart easily.'],
      },
      {
        noun: 'Plush Bear',
        materials: ['organic cotton'],
        price: [15, 45],
        attributes: (r) => ({ heightCm: r.pick([25, 35, 50]), ages: '0+', machineWashable: true }),
        details: ['Soft, huggable and tested for the very young.', 'Embroidered eyes and a stitched smile.'],
      },
      {
        noun: 'Card Game',
        materials: ['recycled cardboard'],
        price: [9, 24],
        attributes: (r) => ({ players: r.pick(['2–6', '3–8']), minutes: r.pick([15, 20, 30]), ages: '7+' }),
        details: ['Quick rounds and lots of laughs for any gathering.', 'Fits in a pocket for travel.'],
      },
      {
        noun: 'Kite',
        materials: ['ripstop nylon'],
        price: [19, 59],
        attributes: (r) => ({ spanCm: r.pick([90, 120, 150]), lineMetres: 30 }),
        details: ['It flies in the lightest breeze.', 'Ripstop sail and fibreglass spars.'],
      },
      {
        noun: 'Marble Run',
        materials: ['beech wood', 'BPA-free plastic'],
        price: [29, 99],
        attributes: (r) => ({ pieces: r.pick([80, 120, 200]), ages: '4+' }),
        details: ['Build twisting tracks, funnels and drops.', 'A lesson in physics disguised as play.'],
      },
      {
        noun: 'Remote Control Car',
        materials: ['BPA-free plastic'],
        price: [29, 119],
        attributes: (r) => ({ speedKmh: r.pick([15, 20, 30]), batteryMinutes: r.pick([20, 30]), ages: '8+' }),
        details: ['All-terrain tyres for grass, gravel and puddles.', 'A rechargeable battery with USB charging.'],
      },
    ],
    openers: ['Hours of play with the {name}.', 'A gift they will actually play with: the {name}.', 'Play that sparks imagination.'],
    closers: ['Made of {material} in {color}.', 'Safety tested to EN 71 by {brand}.', 'Gift wrapping available.'],
  },
  {
    slug: 'beauty',
    name: 'Beauty',
    code: 'BTY',
    brands: ['Solenne', 'Petrichor', 'Wildroot', 'Saltmarsh', 'Juniper Lane'],
    lines: ['Daily', 'Botanical', 'Calm', 'Pure', 'Glow', 'Rose', 'Oat', 'Marine', 'Citrus', 'Cedar'],
    colors: ['white', 'blush pink', 'sage', 'amber', 'natural'],
    materials: ['glass', 'aluminium', 'recycled plastic', 'bamboo'],
    items: [
      {
        noun: 'Face Moisturiser',
        price: [14, 49],
        attributes: (r) => ({ volumeMl: r.pick([50, 75]), skinType: r.pick(['all', 'dry', 'sensitive']), vegan: true }),
        details: ['Lightweight and quick to absorb, with no greasy finish.', 'Hyaluronic acid and squalane for all-day hydration.'],
      },
      {
        noun: 'Shampoo Bar',
        price: [9, 18],
        attributes: (r) => ({ weightG: r.pick([60, 80]), plasticFree: true, scent: r.pick(['rosemary', 'lavender', 'citrus']) }),
        details: ['One bar lasts as long as two bottles.', 'Plastic-free, from the bar to the box.'],
      },
      {
        noun: 'Lip Balm Set',
        price: [8, 22],
        attributes: (r) => ({ pieces: r.pick([3, 4]), spf: r.pick([0, 15]) }),
        details: ['Beeswax and shea butter for soft, comfortable lips.', 'A set of flavours for pocket, bag and bedside.'],
      },
      {
        noun: 'Hand Cream',
        price: [8, 26],
        attributes: (r) => ({ volumeMl: r.pick([30, 75, 100]), scent: r.pick(['neroli', 'fig', 'unscented', 'vetiver']) }),
        details: ['Rich but fast-absorbing, so you can type straight after.', 'Made for hands that wash often.'],
      },
      {
        noun: 'Body Wash',
        price: [9, 24],
        attributes: (r) => ({ volumeMl: r.pick([250, 500]), scent: r.pick(['sea salt', 'bergamot', 'cedar', 'eucalyptus']) }),
        details: ['A gentle, sulphate-free lather.', 'Refill pouches available to cut plastic.'],
      },
      {
        noun: 'Bamboo Toothbrush Set',
        price: [6, 16],
        attributes: (r) => ({ pieces: r.pick([2, 4]), bristles: r.pick(['soft', 'medium']) }),
        details: ['Compostable handles and plant-based bristles.', 'A colour-coded set for the whole family.'],
      },
      {
        noun: 'Facial Cleanser',
        price: [12, 34],
        attributes: (r) => ({ volumeMl: r.pick([100, 150]), skinType: r.pick(['all', 'oily', 'sensitive']) }),
        details: ['Lifts make-up and sunscreen without stripping the skin.', 'A soft gel that turns to a milky foam.'],
      },
      {
        noun: 'Beard Oil',
        price: [12, 29],
        attributes: (r) => ({ volumeMl: 30, scent: r.pick(['cedarwood', 'sandalwood', 'unscented']) }),
        details: ['Softens the beard and soothes the skin beneath.', 'A dropper bottle measures just enough.'],
      },
    ],
    openers: ['Part of your daily ritual: the {name}.', 'Kind to skin, kind to the planet.', 'Simple ingredients, beautifully made.'],
    closers: ['Packaged in {material}.', 'Cruelty-free and made in small batches by {brand}.', 'Dermatologically tested.'],
  },
  {
    slug: 'garden',
    name: 'Garden',
    code: 'GRD',
    brands: ['Fernhill', 'Greenhand', 'Oakhollow', 'Bloomfield', 'Wildroot'],
    lines: ['Cottage', 'Potager', 'Meadow', 'Orchard', 'Terrace', 'Allotment', 'Heritage', 'Kitchen Garden', 'Courtyard', 'Woodland'],
    colors: ['terracotta', 'sage', 'charcoal', 'natural', 'forest green', 'mustard'],
    materials: ['terracotta', 'galvanised steel', 'FSC hardwood', 'carbon steel', 'recycled plastic', 'cedar'],
    items: [
      {
        noun: 'Terracotta Planter',
        materials: ['terracotta'],
        price: [15, 79],
        coloured: false,
        attributes: (r) => ({ diameterCm: r.pick([15, 20, 30, 40]), drainageHole: true, frostProof: r.chance(0.6) }),
        details: ['Hand-thrown terracotta that lets roots breathe.', 'Ages beautifully outdoors.'],
      },
      {
        noun: 'Pruning Shears',
        materials: ['carbon steel'],
        price: [19, 59],
        coloured: false,
        attributes: (r) => ({ cutMm: r.pick([20, 25]), blade: 'bypass', lefthanded: r.chance(0.2) }),
        details: ['A clean bypass cut that keeps stems healthy.', 'A spring-loaded action that is easy on the hand.'],
      },
      {
        noun: 'Watering Can',
        materials: ['galvanised steel', 'recycled plastic'],
        price: [19, 49],
        attributes: (r) => ({ capacityLitres: r.pick([2, 5, 9]), roseIncluded: true }),
        details: ['A long spout reaches the back of the border.', 'A removable brass rose for seedlings.'],
      },
      {
        noun: 'Raised Garden Bed',
        materials: ['cedar', 'galvanised steel'],
        price: [79, 249],
        coloured: false,
        attributes: (r) => ({ sizeCm: r.pick(['120x60', '180x90']), heightCm: r.pick([30, 45]) }),
        details: ['Slot-together panels and no tools needed.', 'A comfortable height for planting and weeding.'],
      },
      {
        noun: 'Garden Gloves',
        materials: ['goatskin leather', 'bamboo fibre'],
        price: [9, 29],
        attributes: () => ({ sizes: ['S', 'M', 'L'], thornResistant: true }),
        details: ['Breathable backs with thorn-proof palms.', 'Flexible enough for pricking out seedlings.'],
      },
      {
        noun: 'Bird Feeder',
        materials: ['cedar', 'galvanised steel'],
        price: [15, 49],
        attributes: (r) => ({ ports: r.pick([2, 4, 6]), squirrelProof: r.chance(0.5) }),
        details: ['Brings finches, tits and sparrows to the window.', 'Comes apart for easy cleaning.'],
      },
      {
        noun: 'Herb Seed Kit',
        materials: ['recycled cardboard'],
        price: [12, 29],
        coloured: false,
        attributes: (r) => ({ varieties: r.pick([4, 6, 8]), organic: true }),
        details: ['Basil, chives, parsley and more, ready for the windowsill.', 'Compostable pots and peat-free compost included.'],
      },
      {
        noun: 'Hose Reel',
        materials: ['recycled plastic'],
        price: [39, 119],
        attributes: (r) => ({ hoseMetres: r.pick([15, 20, 30]), wallMounted: r.chance(0.5) }),
        details: ['Winds up neatly with no kinks.', 'A spray gun with eight patterns included.'],
      },
      {
        noun: 'Solar Path Lights',
        materials: ['stainless steel'],
        price: [24, 69],
        attributes: (r) => ({ pieces: r.pick([4, 6, 8]), runHours: r.pick([8, 10]), waterproof: 'IP65' }),
        details: ['They charge by day and glow warm white by night.', 'No wiring: push them into the ground.'],
      },
    ],
    openers: ['Grow more with the {name}.', 'For gardens big and small: the {name}.', 'Made for a life outdoors.'],
    closers: ['Made of {material}.', 'Chosen by the growers at {brand}.', 'Weatherproof and built to last.'],
  },
];

const TITLE_ADJECTIVES = ['Quiet', 'Salt', 'Silver', 'Hidden', 'Last', 'Winter', 'Wild', 'Lost', 'Painted', 'Northern', 'Paper', 'Golden'];
const TITLE_NOUNS = [
  'Harbour',
  'Orchard',
  'Lighthouse',
  'River',
  'Garden',
  'Island',
  'Letters',
  'Tides',
  'House',
  'Map',
  'Forest',
  'Summer',
];
const COOKING = ['Bread', 'Pasta', 'Vegetables', 'Soup', 'Baking', 'Curry', 'Noodles', 'Breakfast', 'Salads', 'Fermenting'];
const NATURE = ['Mushrooms', 'Wild Flowers', 'Birds', 'Trees', 'Seashores', 'Moths', 'Night Skies', 'Ferns', 'Rock Pools'];
const PLACES = ['Lisbon', 'Kyoto', 'the Highlands', 'Patagonia', 'Sicily', 'Iceland', 'Vancouver Island', 'the Alps', 'Copenhagen'];
const SCIENCE = ['Gravity', 'the Ocean', 'Sleep', 'Time', 'Fungi', 'the Brain', 'Bees', 'Light', 'Clouds'];
const CHILDREN = ['Bear', 'Little Fox', 'Moon', 'Otter', 'Dragon', 'Owl', 'Hedgehog'];

/** A book's title fits its kind: a novel is "The Salt Orchard", a cookbook "Bread at Home". */
function bookTitle(r: Random, item: ItemSpec): string {
  switch (item.noun) {
    case 'Cookbook':
      return r.pick([`${r.pick(COOKING)} at Home`, `Everyday ${r.pick(COOKING)}`, `The ${r.pick(COOKING)} Book`]);
    case 'Field Guide':
      return `A Field Guide to ${r.pick(NATURE)}`;
    case 'Travel Guide':
      return r.pick([`Walking ${r.pick(PLACES)}`, `A Week in ${r.pick(PLACES)}`, `Slow Travel: ${r.pick(PLACES)}`]);
    case 'Science Book':
      return r.pick([`The Secret Life of ${r.pick(SCIENCE)}`, `A Short History of ${r.pick(SCIENCE)}`, `What ${r.pick(SCIENCE)} Knows`]);
    case "Children's Book":
      return r.pick([`Goodnight, ${r.pick(CHILDREN)}`, `${r.pick(CHILDREN)} Can't Sleep`, `Where Is ${r.pick(CHILDREN)}?`]);
    default:
      return r.pick([`The ${r.pick(TITLE_ADJECTIVES)} ${r.pick(TITLE_NOUNS)}`, `${r.pick(TITLE_NOUNS)} of the ${r.pick(TITLE_NOUNS)}`]);
  }
}

const FIRST_NAMES = ['Ada', 'Imogen', 'Rafael', 'Noor', 'Tomas', 'Elif', 'Maren', 'Kofi', 'Lucia', 'Hugo', 'Priya', 'Jonah'];
const LAST_NAMES = ['Whitlock', 'Okafor', 'Lindqvist', 'Moreau', 'Castellano', 'Hale', 'Nakamura', 'Byrne', 'Adeyemi', 'Frost'];

/** A made-up author for a book. */
export function authorName(r: Random): string {
  return `${r.pick(FIRST_NAMES)} ${r.pick(LAST_NAMES)}`;
}
