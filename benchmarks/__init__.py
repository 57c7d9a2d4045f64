"""Benchmarks: each module measures one thing, `python -m benchmarks.NAME`; a trial writes its
page under runs/benchmarks/, and `--record` (where offered) to benchmarks/results/NAME.md.

- common: what they share: the results page (`page`, `publish`), machine and date, timing.
- gnugo: GTP engines as child processes: GNU Go (oracle, opponent, referee) and ours.
- match: matches of the network (no search, any level) against any GTP engine, with handicap.
- vs_gnugo: matches of the network against GNU Go (a match of `match`): the recorded 100 games.
- pachi: build Pachi from PyPI's source into a cache, and time it.
- calibration: the strength levels' matches and the table of their ranks.
- levels: the chance that each strength level plays the expert's move.
- symmetries: 8-symmetry averaging's accuracy gain and latency; bf16 against float32.
- selfplay: batched self-play games per second.
- genmove: how long `genmove` takes, beside GNU Go.
- inference: one position's latency and a batch's throughput.
- review: how long `review` takes over a whole game.
- ownership: playout ownership against GNU Go on finished games.
- cpu_training: CPU training throughput, float32 against bf16, k=32..192.
- train_throughput: training speed beside the compute roofline.
- bf16_validation: whether bf16 autocast trains as well as float32.
- recipe: plain against batch norm, with and without EMA, at equal positions.
- learning_curve: the long runs' accuracy against positions seen, beside published figures.
- loader: the training loader's positions per second, and what `prepare` costs.
- stream: positions streamed from game records against prepared shards.
- load_collection: a whole SGF collection read: what came through and how fast.
- replay: games read and moves replayed per second, beside RocAlphaGo.
- features: feature planes per second, beside RocAlphaGo.
"""
