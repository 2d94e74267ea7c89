import { describe, expect, test } from "bun:test";
import { inflateSync } from "node:zlib";
import QRCode from "qrcode";
import { qrCodePngDataUrl } from "../../src/core/qr.ts";

const shareUrl = "https://previewcv.com/r/3q2-7wVhTqk0hX1y_u5m8L0n9oPzA4bC6dE7fG8hI9j";

interface DecodedPng {
  width: number;
  height: number;
  bitDepth: number;
  colorType: number;
  /** Grey level 0-255 of the pixel at (x, y). */
  grey(x: number, y: number): number;
}

/** Enough of a PNG decoder for 8-bit greyscale/RGB/RGBA, non-interlaced images. */
function decodePng(png: Uint8Array): DecodedPng {
  expect(Array.from(png.subarray(0, 8))).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  let offset = 8;
  let header: { width: number; height: number; bitDepth: number; colorType: number; interlace: number } | undefined;
  const idat: Uint8Array[] = [];
  let sawEnd = false;
  while (offset < png.length) {
    const length = view.getUint32(offset);
    const type = new TextDecoder().decode(png.subarray(offset + 4, offset + 8));
    const data = png.subarray(offset + 8, offset + 8 + length);
    if (type === "IHDR") {
      header = {
        width: view.getUint32(offset + 8),
        height: view.getUint32(offset + 12),
        bitDepth: data[8]!,
        colorType: data[9]!,
        interlace: data[12]!,
      };
    } else if (type === "IDAT") idat.push(data);
    else if (type === "IEND") sawEnd = true;
    offset += 12 + length;
  }
  expect(header).toBeDefined();
  expect(sawEnd).toBe(true);
  const { width, height, bitDepth, colorType, interlace } = header!;
  expect(bitDepth).toBe(8);
  expect(interlace).toBe(0);
  const channels = ({ 0: 1, 2: 3, 4: 2, 6: 4 } as Record<number, number>)[colorType]!;
  expect(channels).toBeDefined();

  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  expect(raw.length).toBe(height * (stride + 1));
  const pixels = new Uint8Array(height * stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)]!;
    const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    for (let i = 0; i < stride; i++) {
      const left = i >= channels ? pixels[y * stride + i - channels]! : 0;
      const up = y > 0 ? pixels[(y - 1) * stride + i]! : 0;
      const upLeft = y > 0 && i >= channels ? pixels[(y - 1) * stride + i - channels]! : 0;
      let predictor = 0;
      if (filter === 1) predictor = left;
      else if (filter === 2) predictor = up;
      else if (filter === 3) predictor = (left + up) >> 1;
      else if (filter === 4) {
        const p = left + up - upLeft;
        const [pa, pb, pc] = [Math.abs(p - left), Math.abs(p - up), Math.abs(p - upLeft)];
        predictor = pa <= pb && pa <= pc ? left : pb <= pc ? up : upLeft;
      } else expect(filter).toBe(0);
      pixels[y * stride + i] = (line[i]! + predictor) & 0xff;
    }
  }
  return { width, height, bitDepth, colorType, grey: (x, y) => pixels[y * stride + x * channels]! };
}

function pngOf(dataUrl: string): Uint8Array {
  const prefix = "data:image/png;base64,";
  expect(dataUrl.startsWith(prefix)).toBe(true);
  return new Uint8Array(Buffer.from(dataUrl.slice(prefix.length), "base64"));
}

describe("QR codes", () => {
  test("are a PNG data URL of a sane, square size", async () => {
    const dataUrl = await qrCodePngDataUrl(shareUrl);
    const png = decodePng(pngOf(dataUrl));
    expect(png.width).toBe(png.height);
    expect(png.width).toBeGreaterThanOrEqual(290);
    expect(png.width).toBeLessThanOrEqual(300);
    // Stored in resumes.qr_code_base64 and sent in every public fetch: greyscale, about 2.3 KB
    // for a share URL (pngjs's default RGBA made 3.8 KB).
    expect(png.colorType).toBe(0);
    expect(dataUrl.length).toBeLessThan(3_000);
  });

  test("encode the URL: the pixels match the QR matrix for that text", async () => {
    const png = decodePng(pngOf(await qrCodePngDataUrl(shareUrl, { widthPx: 400, marginModules: 4 })));
    const symbol = QRCode.create(shareUrl, { errorCorrectionLevel: "M" });
    const size = symbol.modules.size;
    const scale = png.width / (size + 8);
    let dark = 0;
    for (let row = 0; row < size; row++) {
      for (let column = 0; column < size; column++) {
        const x = Math.floor((column + 4 + 0.5) * scale);
        const y = Math.floor((row + 4 + 0.5) * scale);
        const isDark = png.grey(x, y) < 128;
        expect(isDark).toBe(symbol.modules.get(row, column) === 1);
        if (isDark) dark++;
      }
    }
    expect(dark).toBeGreaterThan(size * size * 0.3);
    // The quiet zone is white.
    expect(png.grey(1, 1)).toBe(255);
    expect(png.grey(png.width - 2, png.height - 2)).toBe(255);
  });

  test("different URLs give different codes, the same URL the same code", async () => {
    const a = await qrCodePngDataUrl(shareUrl);
    expect(await qrCodePngDataUrl(shareUrl)).toBe(a);
    expect(await qrCodePngDataUrl(`${shareUrl}x`)).not.toBe(a);
  });

  test("refuse empty and oversized text", async () => {
    await expect(qrCodePngDataUrl("")).rejects.toThrow(TypeError);
    await expect(qrCodePngDataUrl("x".repeat(2049))).rejects.toThrow(TypeError);
  });
});
