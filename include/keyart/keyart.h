/* keyart/keyart.h: the one header a program includes to use libkeyart. */
#ifndef KEYART_KEYART_H
#define KEYART_KEYART_H

#include "keyart/common.h"
#include "keyart/json.h"
#include "keyart/options.h"
#include "keyart/media.h"
#include "keyart/imaging.h"
#include "keyart/analysis.h"
#include "keyart/rank.h"
#include "keyart/select.h"
#include "keyart/output.h"
#include "keyart/vision.h"
#include "keyart/store.h"
#include "keyart/jobs.h"
#include "keyart/personalize.h"
#include "keyart/experiment.h"
#include "keyart/serve.h"
#include "keyart/simulate.h"

#endif
