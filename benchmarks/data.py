"""The benchmark data set: one generator, so every engine sees identical rows.

n subjects in two arms (``group`` 0/1) with one continuous covariate
(``age``, years). Event times are exponential with hazard
0.38 * exp(log(0.7) * group + 0.03 * (age - 60)) per year; censoring is uniform
over 0.2..11 years, which leaves about 27% of rows censored. Times are then
rounded *up* to whole days (the way trial data are recorded), so a million
rows share a few thousand distinct times: heavy ties, as in real data, which
is what makes Efron's method and R's timefix do real work.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

SEED = 20261125
LOG_HR_GROUP = float(np.log(0.7))
LOG_HR_AGE = 0.03


@dataclass(frozen=True)
class SurvivalData:
    time: NDArray[np.float64]  # days, whole numbers >= 1
    event: NDArray[np.float64]  # 1 = event, 0 = censored
    group: NDArray[np.float64]  # 0 = control, 1 = treatment
    age: NDArray[np.float64]  # years

    @property
    def n(self) -> int:
        return int(self.time.size)

    @property
    def nbytes(self) -> int:
        """Bytes of the four input columns: the yardstick for peak memory."""
        return int(self.time.nbytes + self.event.nbytes + self.group.nbytes + self.age.nbytes)

    def columns(self) -> dict[str, NDArray[np.float64]]:
        return {"time": self.time, "event": self.event, "group": self.group, "age": self.age}


def make_data(n: int, seed: int = SEED) -> SurvivalData:
    rng = np.random.default_rng(seed)
    group = (rng.random(n) < 0.5).astype(np.float64)
    age = np.round(rng.normal(60.0, 10.0, n), 1)
    rate = 0.38 * np.exp(LOG_HR_GROUP * group + LOG_HR_AGE * (age - 60.0))
    event_years = rng.exponential(1.0, n) / rate
    censor_years = rng.uniform(0.2, 11.0, n)
    years = np.minimum(event_years, censor_years)
    event = (event_years <= censor_years).astype(np.float64)
    time = np.ceil(years * 365.25)
    return SurvivalData(time=time, event=event, group=group, age=age)
