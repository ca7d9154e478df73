DROP TABLE public_throttle;
