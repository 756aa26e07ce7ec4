package dev.starling.node.dl;

import dev.starling.node.data.Dataset;
import dev.starling.node.learning.ModelPool;
import dev.starling.node.wire.codec.Codec;

/**
 * What every decentralized peer needs: its data shard, how to train, the common initial model,
 * the node count, how models are encoded on the wire, and its seed.
 *
 * @param initial the initial parameters every node starts from; never modified
 */
public record PeerSetup(
    Dataset data, int[] indices, ModelPool models, float[] initial, int nodes, Codec codec, long seed,
    PeerListener listener) {}
