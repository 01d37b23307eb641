/*
 * libmcmjxs: the hot loops of the JPEG XS decoder of org.mcm.codec.jpegxs in C, called through JNI.
 *
 * Part 1 (this file): the inverse LeGall 5/3 wavelet of one component, all levels in one call, from the
 * coefficient bands into the component's plane, with the linear output scaling fused into the last level. The
 * arithmetic is the Java decoder's (Dwt53.inverse / inverseLevel): 32-bit two's complement that wraps (-fwrapv),
 * arithmetic right shifts, so both give the same samples for every input, valid or hostile.
 *
 * JNI rather than JNA: the bands and the plane are the decoder's int[] arrays on the Java heap; JNI's critical
 * array access reaches them in place, where JNA's direct mapping copies every array in and out on each call.
 * Nothing here calls back into the JVM while the arrays are held.
 *
 * Instruction sets: the same C kernels compiled three times (scalar, SSE4.1, AVX2; gcc vectorises the lifting
 * loops), picked by the caller (cpuIsa() tells the best this CPU has; lower ones stay callable for the tests).
 * Every array length and every dimension is checked before anything is read or written; a call that does not add
 * up returns a negative code and touches nothing.
 */
#include <jni.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define ABI_VERSION 1
#define MAX_BANDS 64

enum { ISA_SCALAR = 0, ISA_SSE41 = 1, ISA_AVX2 = 2 };

enum {
    ERR_ARGS = -1,   /* bad counts, null arrays, lengths that do not add up */
    ERR_NOMEM = -2,  /* scratch rows */
    ERR_PIN = -3     /* the JVM would not hand out an array */
};

static int best_isa = -1;

__attribute__((constructor)) static void find_isa(void) {
    __builtin_cpu_init();
    best_isa = __builtin_cpu_supports("avx2") ? ISA_AVX2 : __builtin_cpu_supports("sse4.1") ? ISA_SSE41 : ISA_SCALAR;
}

/* The output scaling of the last level: clamp((v + add) >> dz, 0, max); on = 0: none. */
typedef struct {
    int on;
    int32_t add;
    int dz;
    int32_t max;
} scale_t;

#define ALWAYS static inline __attribute__((always_inline))

ALWAYS int32_t scale1(int32_t v, int32_t add, int dz, int32_t max) {
    int32_t s = (v + add) >> dz;
    s &= ~(s >> 31);
    int32_t d = s - max;
    return max + (d & (d >> 31));
}

/* Inverse 1-D: l (ceil(len/2)) and h (floor(len/2)) into out[0..len). */
ALWAYS void inv1d(const int32_t *restrict l, const int32_t *restrict h, int32_t *restrict out, int len) {
    if (len <= 0) {
        return;
    }
    if (len == 1) {
        out[0] = l[0];
        return;
    }
    const int nH = len >> 1, nL = len - nH;
    /* e(k) = l[k] - ((h[k-1] + h[k] + 2) >> 2), h clamped to [0, nH); odd o(k) = h[k] + ((e(k) + e(k+1)) >> 1) with
       e(nL) = e(nL-1). The edges in scalar code, the middle (both neighbours inside) in one vectorisable loop. */
#define E(k) (l[k] - ((h[(k) > 0 ? (k) - 1 : 0] + h[(k) < nH ? (k) : nH - 1] + 2) >> 2))
    int32_t e0 = E(0);
    int32_t e1 = nL > 1 ? E(1) : e0;
    out[0] = e0;
    out[1] = h[0] + ((e0 + e1) >> 1);
    for (int k = 1; k < nH - 1; k++) {
        int32_t ek = l[k] - ((h[k - 1] + h[k] + 2) >> 2);
        int32_t en = l[k + 1] - ((h[k] + h[k + 1] + 2) >> 2);
        out[2 * k] = ek;
        out[2 * k + 1] = h[k] + ((ek + en) >> 1);
    }
    if (nH > 1) {
        int k = nH - 1;
        int32_t ek = E(k);
        int32_t en = k + 1 < nL ? E(k + 1) : ek;
        out[2 * k] = ek;
        out[2 * k + 1] = h[k] + ((ek + en) >> 1);
    }
    if (nL > nH) {
        out[2 * nH] = E(nH);
    }
#undef E
}

ALWAYS void scale_row(int32_t *restrict v, int w, scale_t sc) {
    const int32_t add = sc.add, max = sc.max;
    const int dz = sc.dz;
    for (int x = 0; x < w; x++) {
        v[x] = scale1(v[x], add, dz, max);
    }
}

/* Even output row: the horizontally inverted L row minus the vertical update from the H rows hp, hc. */
ALWAYS void even_row(const int32_t *l, const int32_t *hl, int w, const int32_t *restrict hp,
        const int32_t *restrict hc, int32_t *restrict e) {
    inv1d(l, hl, e, w);
    for (int x = 0; x < w; x++) {
        e[x] -= (hp[x] + hc[x] + 2) >> 2;
    }
}

/*
 * One inverse 2-D level (Dwt53.inverseLevel): L rows from ll (stride llStride) with hl (stride hw), H rows from lh
 * (stride lw) and hh (stride hw); the nL + nH output rows of lw + hw samples to out (stride outStride). scratch:
 * 5 rows of lw + hw ints.
 */
ALWAYS void inv_level(const int32_t *ll, int llStride, const int32_t *hl, const int32_t *lh, const int32_t *hh,
        int lw, int hw, int nL, int nH, int32_t *out, int outStride, int32_t *scratch, scale_t sc) {
    const int w = lw + hw;
    int32_t *hRows[2] = {scratch, scratch + w};
    int32_t *eRows[2] = {scratch + 2 * w, scratch + 3 * w};
    int32_t *tmp = scratch + 4 * w;
    if (nL + nH == 1) {
        inv1d(ll, hl, tmp, w);
        if (sc.on) {
            scale_row(tmp, w, sc);
        }
        memcpy(out, tmp, (size_t) w * 4);
        return;
    }
    inv1d(lh, hh, hRows[0], w);
    even_row(ll, hl, w, hRows[0], hRows[0], eRows[0]);
    for (int k = 0; k < nH; k++) {
        const int32_t *restrict hk = hRows[k & 1];
        if (k + 1 < nH) {
            inv1d(lh + (size_t) (k + 1) * lw, hh + (size_t) (k + 1) * hw, hRows[(k + 1) & 1], w);
        }
        int32_t *restrict e0 = eRows[k & 1];
        const int32_t *restrict e1 = e0;
        if (k + 1 < nL) {
            int32_t *en = eRows[(k + 1) & 1];
            even_row(ll + (size_t) (k + 1) * llStride, hl + (size_t) (k + 1) * hw, w, hk,
                    hRows[(k + 1 < nH ? k + 1 : nH - 1) & 1], en);
            e1 = en;
        }
        int32_t *restrict odd = out + (size_t) (2 * k + 1) * outStride;
        int32_t *restrict even = out + (size_t) (2 * k) * outStride;
        if (!sc.on) {
            for (int x = 0; x < w; x++) {
                odd[x] = hk[x] + ((e0[x] + e1[x]) >> 1);
            }
            memcpy(even, e0, (size_t) w * 4);
        } else {
            const int32_t add = sc.add, max = sc.max;
            const int dz = sc.dz;
            for (int x = 0; x < w; x++) {
                odd[x] = scale1(hk[x] + ((e0[x] + e1[x]) >> 1), add, dz, max);
            }
            for (int x = 0; x < w; x++) {
                even[x] = scale1(e0[x], add, dz, max);
            }
        }
    }
    if (nL > nH) {
        int32_t *e = eRows[nH & 1];
        int32_t *last = out + (size_t) (nL + nH - 1) * outStride;
        memcpy(last, e, (size_t) w * 4);
        if (sc.on) {
            scale_row(last, w, sc);
        }
    }
}

/* A component's plan, checked: band pointers and sizes in the order the Java decoder keeps them. */
typedef struct {
    int nh, nv;
    const int32_t *band[MAX_BANDS];
    int bw[MAX_BANDS], bh[MAX_BANDS];
    int32_t *img, *bufA, *bufB;
    int stride;
    scale_t sc;
} plan_t;

/*
 * The whole component: band 0 into the low buffer, the horizontal-only levels in place, row by row, then the 2-D
 * levels ping-ponging between bufA and bufB, the last into img.
 */
ALWAYS void component(const plan_t *p, int32_t *scratch) {
    const int stride = p->stride;
    int curW = p->bw[0], curH = p->bh[0];
    int32_t *cur = p->nv == 0 ? p->img : p->bufA;
    for (int y = 0; y < curH; y++) {
        memcpy(cur + (size_t) y * stride, p->band[0] + (size_t) y * curW, (size_t) curW * 4);
    }
    int i = 1;
    for (int k = 0; k < p->nh; k++, i++) {
        const int32_t *hb = p->band[i];
        const int hw = p->bw[i];
        const int nw = curW + hw;
        for (int y = 0; y < curH; y++) {
            inv1d(cur + (size_t) y * stride, hb + (size_t) y * hw, scratch, nw);
            memcpy(cur + (size_t) y * stride, scratch, (size_t) nw * 4);
        }
        curW = nw;
    }
    for (int k = 0; k < p->nv; k++, i += 3) {
        const int last = k == p->nv - 1;
        int32_t *out = last ? p->img : (cur == p->bufA ? p->bufB : p->bufA);
        const int hw = p->bw[i], nH = p->bh[i + 1];
        scale_t sc = p->sc;
        sc.on = sc.on && last;
        inv_level(cur, stride, p->band[i], p->band[i + 1], p->band[i + 2], curW, hw, curH, nH, out, stride, scratch,
                sc);
        cur = out;
        curW += hw;
        curH += nH;
    }
}

static void component_scalar(const plan_t *p, int32_t *scratch) {
    component(p, scratch);
}

__attribute__((target("sse4.1"))) static void component_sse41(const plan_t *p, int32_t *scratch) {
    component(p, scratch);
}

__attribute__((target("avx2"))) static void component_avx2(const plan_t *p, int32_t *scratch) {
    component(p, scratch);
}

/*
 * Checks the plan against the array lengths (in ints) before anything runs: every band holds its w x h, every row
 * fits the stride, the buffers hold the rows each level writes, the level sizes chain as the wavelet needs.
 */
static int check(const plan_t *p, const long *blen, long imgLen, long aLen, long bLen, int *maxW) {
    if (p->stride <= 0 || p->nh < 0 || p->nv < 0 || 1 + p->nh + 3 * p->nv > MAX_BANDS) {
        return ERR_ARGS;
    }
    if (p->sc.on && (p->sc.dz < 0 || p->sc.dz > 31)) {
        return ERR_ARGS;
    }
    int n = 1 + p->nh + 3 * p->nv;
    for (int b = 0; b < n; b++) {
        if (p->bw[b] < 0 || p->bh[b] < 0 || (long) p->bw[b] * p->bh[b] > blen[b]) {
            return ERR_ARGS;
        }
    }
    long curW = p->bw[0], curH = p->bh[0];
    if (curW < 1 || curH < 1) {
        return ERR_ARGS;
    }
    /* the low buffer (img without 2-D levels, else bufA) holds curH rows */
    long first = p->nv == 0 ? imgLen : aLen;
    if (curH * p->stride > first || curW > p->stride) {
        return ERR_ARGS;
    }
    int i = 1;
    for (int k = 0; k < p->nh; k++, i++) {
        if (p->bh[i] != curH || p->bw[i] < 1 || curW - p->bw[i] < 0 || curW - p->bw[i] > 1) {
            return ERR_ARGS;
        }
        curW += p->bw[i];
        if (curW > p->stride) {
            return ERR_ARGS;
        }
    }
    long curBuf = first;
    int inA = p->nv > 0;
    for (int k = 0; k < p->nv; k++, i += 3) {
        long hw = p->bw[i], nH = p->bh[i + 1];
        /* hl: hw x nL, lh: lw x nH, hh: hw x nH */
        if (hw < 1 || p->bh[i] != curH || p->bw[i + 1] != curW || p->bw[i + 2] != hw || p->bh[i + 2] != nH) {
            return ERR_ARGS;
        }
        if (nH > curH || nH < curH - 1 || curW - hw < 0 || curW - hw > 1) {
            return ERR_ARGS;
        }
        int last = k == p->nv - 1;
        long outLen = last ? imgLen : (inA ? bLen : aLen);
        if (curH * p->stride > curBuf) {
            return ERR_ARGS;
        }
        curW += hw;
        curH += nH;
        if (curW > p->stride || curH * p->stride > outLen) {
            return ERR_ARGS;
        }
        curBuf = outLen;
        inA = !inA;
    }
    *maxW = (int) curW;
    return 0;
}

JNIEXPORT jint JNICALL Java_org_mcm_codec_jpegxs_JxsNative_abiVersion(JNIEnv *env, jclass cls) {
    (void) env;
    (void) cls;
    return ABI_VERSION;
}

JNIEXPORT jint JNICALL Java_org_mcm_codec_jpegxs_JxsNative_cpuIsa(JNIEnv *env, jclass cls) {
    (void) env;
    (void) cls;
    return best_isa;
}

/*
 * inverseComponent(isa, int[][] bands, int[] dims, nh, nv, int[] img, stride, int[] bufA, int[] bufB,
 *                  scaleOn, add, dz, max) -> 0, or a negative ERR_*.
 * bands: 1 + nh + 3 * nv arrays (the lowest band, the horizontal-only levels' bands, then HL, LH, HH of each 2-D
 * level from the smallest); dims: their widths and heights, interleaved. bufA/bufB may be null without 2-D
 * levels (bufB also with only one).
 */
JNIEXPORT jint JNICALL Java_org_mcm_codec_jpegxs_JxsNative_inverseComponent(JNIEnv *env, jclass cls, jint isa,
        jobjectArray bands, jintArray dims, jint nh, jint nv, jintArray img, jint stride, jintArray bufA,
        jintArray bufB, jint scaleOn, jint add, jint dz, jint max) {
    (void) cls;
    if (isa < ISA_SCALAR || isa > best_isa || bands == NULL || dims == NULL || img == NULL || nh < 0 || nv < 0) {
        return ERR_ARGS;
    }
    const int n = 1 + nh + 3 * nv;
    if (n > MAX_BANDS || (*env)->GetArrayLength(env, bands) < n || (*env)->GetArrayLength(env, dims) < 2 * n) {
        return ERR_ARGS;
    }
    if (nv > 0 && bufA == NULL) {
        return ERR_ARGS;
    }
    if (nv > 1 && bufB == NULL) {
        return ERR_ARGS;
    }
    plan_t p;
    memset(&p, 0, sizeof p);
    p.nh = nh;
    p.nv = nv;
    p.stride = stride;
    p.sc.on = scaleOn != 0;
    p.sc.add = add;
    p.sc.dz = dz;
    p.sc.max = max;
    jint d[2 * MAX_BANDS];
    (*env)->GetIntArrayRegion(env, dims, 0, 2 * n, d);
    jintArray arr[MAX_BANDS];
    long blen[MAX_BANDS];
    for (int b = 0; b < n; b++) {
        arr[b] = (jintArray) (*env)->GetObjectArrayElement(env, bands, b);
        if (arr[b] == NULL) {
            return ERR_ARGS;
        }
        blen[b] = (*env)->GetArrayLength(env, arr[b]);
        p.bw[b] = d[2 * b];
        p.bh[b] = d[2 * b + 1];
    }
    long imgLen = (*env)->GetArrayLength(env, img);
    long aLen = bufA != NULL ? (*env)->GetArrayLength(env, bufA) : 0;
    long bLen = bufB != NULL ? (*env)->GetArrayLength(env, bufB) : 0;
    int maxW = 0;
    int rc = check(&p, blen, imgLen, aLen, bLen, &maxW);
    if (rc != 0) {
        return rc;
    }
    int32_t *scratch = malloc((size_t) 5 * (maxW + 8) * sizeof(int32_t));
    if (scratch == NULL) {
        return ERR_NOMEM;
    }
    /* pin everything (no JNI calls but the releases until all are released) */
    int pinned = 0;
    int ok = 1;
    for (; pinned < n; pinned++) {
        p.band[pinned] = (*env)->GetPrimitiveArrayCritical(env, arr[pinned], NULL);
        if (p.band[pinned] == NULL) {
            ok = 0;
            break;
        }
    }
    p.img = ok ? (*env)->GetPrimitiveArrayCritical(env, img, NULL) : NULL;
    ok = ok && p.img != NULL;
    p.bufA = ok && bufA != NULL ? (*env)->GetPrimitiveArrayCritical(env, bufA, NULL) : NULL;
    ok = ok && (bufA == NULL || p.bufA != NULL);
    p.bufB = ok && bufB != NULL ? (*env)->GetPrimitiveArrayCritical(env, bufB, NULL) : NULL;
    ok = ok && (bufB == NULL || p.bufB != NULL);
    if (ok) {
        if (isa == ISA_AVX2) {
            component_avx2(&p, scratch);
        } else if (isa == ISA_SSE41) {
            component_sse41(&p, scratch);
        } else {
            component_scalar(&p, scratch);
        }
    }
    if (p.bufB != NULL) {
        (*env)->ReleasePrimitiveArrayCritical(env, bufB, p.bufB, 0);
    }
    if (p.bufA != NULL) {
        (*env)->ReleasePrimitiveArrayCritical(env, bufA, p.bufA, 0);
    }
    if (p.img != NULL) {
        (*env)->ReleasePrimitiveArrayCritical(env, img, p.img, 0);
    }
    for (int b = pinned - 1; b >= 0; b--) {
        (*env)->ReleasePrimitiveArrayCritical(env, arr[b], (void *) p.band[b], JNI_ABORT);
    }
    for (int b = 0; b < n; b++) {
        (*env)->DeleteLocalRef(env, arr[b]);
    }
    free(scratch);
    return ok ? 0 : ERR_PIN;
}
