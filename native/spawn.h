// Starting CMD: vfork + exec with a clean signal state.
#ifndef TSINIT_SPAWN_H
#define TSINIT_SPAWN_H

void plain_stdio(void);

#endif
