<?php
echo "clean-exit-output\n";
exit(0);
