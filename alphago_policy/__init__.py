"""The AlphaGo SL policy network as a Go player: data, training, evaluation and the ways to play it.

Commands (`python -m alphago_policy COMMAND`, `__main__`): prepare, train, evaluate, ship,
review, rl, filters, gtp, play. The modules, from the data up:

- encoding: the 48 feature planes coded as one uint16 per point, exactly invertible.
- layout: a prepared data directory: the game split, the shards, the manifest.
- positions: game records -> coded positions (one skip policy) -> tensors (`Decoder`).
- prepare: the `prepare` command: collections -> coded shards on disk, resumable.
- dataset: prepared shards and the loader that feeds them.
- stream: positions computed on the fly from game records by worker processes.
- workers: worker processes that leave Ctrl-C to the main process and end with it.
- symmetries: the 8 board symmetries on planes, points and labels.
- metrics: loss, top-1 and top-k, the one arithmetic of validation and `evaluate`.
- policy: the shipped network and its weights files: load, describe, predict, save.
- runtime: the device, a torchrun cluster, stop requests, random generators.
- checkpoint: a training run's checkpoint, loaded safely.
- runlog: a run's log, one JSON line an event.
- run_dir: a run's directory: its weights path, checkpoint, log and lock, written in one place.
- training_settings: `train`'s settings (`Settings`), their flags and limits, resuming.
- training_data: a run's positions behind one interface: prepared shards or streamed records.
- train: the `train` command, top to bottom: start, the loop, validation, checkpoints.
- evaluate: the `evaluate` command: accuracy by phase of the game.
- ship: the `ship` command: measure a run on its test split, write the weights and card.
- selfplay: batched games between two networks, the rules and planes compiled per ply.
- rl: the `rl` command: self-play policy gradient from an SL network, and matches.
- filters: the `filters` command: a picture of the first layer's filters.
- agreement: how a game's moves agree with the network, per move and per player.
- annotate: a review written into the game's own SGF record.
- review: the `review` command: annotate a game for a Go editor.
- study: review and guess-the-move modes at the board, without pygame.
- game: a game in progress against the network (`Game`): moves, komi, result, record.
- strength: the strength levels: which network, and how it picks among the sensible moves.
- analysis: the candidate moves and playouts a GUI draws.
- gtp_parsing: GTP's words: command lines, colours, vertices, numbers, analysis requests.
- gtp: the `gtp` command: the network over the Go Text Protocol.
- board_view: the board window's geometry, heat map and fonts, without pygame.
- session: the player's view of a `Game` at the board, without pygame.
- play: the board's pygame window and the `play` command.
- cli: the flags and argument types the commands share, and the one-line failure.
- files: atomic writes and output checks (free space, read-only places).
"""
