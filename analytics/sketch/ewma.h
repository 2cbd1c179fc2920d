/* SPDX-License-Identifier: BSD-3-Clause
 * tidewatch — exponentially weighted mean and variance with an exact
 * warm-up.
 *
 * For the first W = ceil(1/alpha) samples the state is the exact running
 * mean and population variance (Welford): every sample so far has weight
 * 1/n, so a baseline is not biased towards its first sample. From sample
 * W+1 on, the incremental exponentially weighted form (West 1979; Finch,
 * "Incremental calculation of weighted mean and variance", 2009):
 *     d = x - mean;  mean += alpha * d;  var = (1 - alpha) * (var + alpha d^2)
 * which is exactly the weighted population variance about the weighted mean
 * where the newest sample has weight alpha and older weights decay by
 * (1 - alpha). Numerically stable (no sum of squares).
 *
 * Memory: sizeof(struct tw_ewma) = 24 bytes, caller memory, no allocation.
 * Thread safety: none; functions are pure on the struct passed.
 * Preconditions: 0 < alpha <= 1 and x finite (neither is checked on the
 * update path; a NaN/inf sample poisons the state until tw_ewma_init()).
 * Use one alpha per struct. n saturates at UINT32_MAX.
 */
#ifndef TW_SKETCH_EWMA_H
#define TW_SKETCH_EWMA_H

#include <math.h>
#include <stdint.h>

struct tw_ewma {
	double mean;
	double var;	/* population variance (see above) */
	uint32_t n;	/* samples seen, saturating */
};

static inline void
tw_ewma_init(struct tw_ewma *e)
{
	e->mean = 0.0;
	e->var = 0.0;
	e->n = 0;
}

/* Warm-up length W = ceil(1/alpha), robust to 1/alpha rounding (1/0.1). */
static inline uint32_t
tw_ewma_warmup(double alpha)
{
	double w = ceil(1.0 / alpha - 1e-9);

	if (w < 1.0)
		return 1;
	if (w > (double)UINT32_MAX)
		return UINT32_MAX;
	return (uint32_t)w;
}

static inline void
tw_ewma_update(struct tw_ewma *e, double x, double alpha)
{
	double d = x - e->mean;

	if (e->n < UINT32_MAX)
		e->n++;
	if (e->n <= tw_ewma_warmup(alpha)) {
		/* Welford, population variance */
		double inv = 1.0 / (double)e->n;

		e->mean += d * inv;
		e->var += (d * (x - e->mean) - e->var) * inv;
	} else {
		double incr = alpha * d;

		e->mean += incr;
		e->var = (1.0 - alpha) * (e->var + d * incr);
	}
}

/* Standard deviation (0 before two distinct samples). */
static inline double
tw_ewma_sd(const struct tw_ewma *e)
{
	return e->var > 0.0 ? sqrt(e->var) : 0.0;
}

/* Standardised distance of x from the mean; 0 when the sd is 0. */
static inline double
tw_ewma_z(const struct tw_ewma *e, double x)
{
	double sd = tw_ewma_sd(e);

	return sd > 0.0 ? (x - e->mean) / sd : 0.0;
}

#endif /* TW_SKETCH_EWMA_H */
