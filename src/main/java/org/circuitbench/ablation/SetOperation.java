package org.circuitbench.ablation;

import java.util.BitSet;

/** How two circuits combine: what both keep, what either keeps, what the first keeps and the second not. */
public enum SetOperation {
    INTERSECTION("∩"),
    UNION("∪"),
    DIFFERENCE("−");

    public final String symbol;

    SetOperation(String symbol) {
        this.symbol = symbol;
    }

    /** A new set: {@code a} combined with {@code b}; neither is changed. */
    public BitSet apply(BitSet a, BitSet b) {
        BitSet out = (BitSet) a.clone();
        switch (this) {
            case INTERSECTION -> out.and(b);
            case UNION -> out.or(b);
            case DIFFERENCE -> out.andNot(b);
        }
        return out;
    }
}
