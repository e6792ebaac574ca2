-: common/asm-offsets.c common/handoff.h
common/handoff.h:
