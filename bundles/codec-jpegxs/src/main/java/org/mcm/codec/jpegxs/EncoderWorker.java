package org.mcm.codec.jpegxs;

/** One encoder thread's scratch: wavelet buffers (allocated on first use) and a bit writer. */
final class EncoderWorker {
    private final int maxW, maxH;
    int[] bufA, bufB, lRow, work;
    SampleSource.Scratch scratch;
    int[] rowHl, rowLh, rowHh, abs; // one row of each band of a level, magnitudes of a row
    int[][] inRows, hRows; // 3 input rows, 2 H rows of a forward level (separate arrays: C2 vectorizes)
    final int[] hist = new int[64]; // 4 interleaved bit-plane count histograms of a row
    final BitWriter bw = new BitWriter();
    final int[] gtl;
    final int[] gtlTop;

    EncoderWorker(EncoderState s) {
        maxW = s.maxW;
        maxH = s.maxH;
        gtl = new int[s.g.bandsAll];
        gtlTop = new int[s.g.bandsAll];
    }

    void dwtBuffers() {
        if (bufA == null) {
            bufA = new int[((maxH + 1) / 2) * maxW];
            bufB = new int[((maxH + 1) / 2) * maxW];
            lRow = new int[maxW];
            rowHl = new int[maxW];
            inRows = new int[][] {new int[maxW], new int[maxW], new int[maxW]};
            hRows = new int[][] {new int[maxW], new int[maxW]};
            rowLh = new int[maxW];
            rowHh = new int[maxW];
            abs = new int[maxW];
        }
    }
}
