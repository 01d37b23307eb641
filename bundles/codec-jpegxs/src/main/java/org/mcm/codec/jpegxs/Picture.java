package org.mcm.codec.jpegxs;

/** Decoded (or to-be-encoded) picture: one int plane of samples per component, row-major, no padding. */
public final class Picture {

    public final int nc;
    public final int[] width;
    public final int[] height;
    public final int[][] planes;
    /** Sample bit depth. */
    public int depth;
    /** Header of the codestream this picture came from (decoder only). */
    public Header header;
    /** Bytes of codestream consumed (decoder only). */
    public int consumed;

    public Picture(int nc, int[] width, int[] height) {
        this.nc = nc;
        this.width = width.clone();
        this.height = height.clone();
        planes = new int[nc][];
        for (int c = 0; c < nc; c++) {
            planes[c] = new int[width[c] * height[c]];
        }
    }
}
