<?php echo "quick\n";
